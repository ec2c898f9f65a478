"""Sentence embeddings for features that need meaning rather than words (safety triage, search).

Domain code depends on the small :class:`~bot.semantic.encoder.Encoder` protocol only, so the model
behind it can be swapped (another language, a faster model) without touching its users.
"""

from bot.semantic.encoder import DEFAULT_MODEL, Encoder, EncoderError, load_encoder

__all__ = ["DEFAULT_MODEL", "Encoder", "EncoderError", "load_encoder"]
