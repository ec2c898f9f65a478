"""Numbered SQL migrations (``NNN_name.sql``), applied in order by :class:`bot.db.Database`."""
