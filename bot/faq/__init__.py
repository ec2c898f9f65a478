"""Vetted FAQ: content models, loader, search index, service and the /faq cog."""
