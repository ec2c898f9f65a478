"""Vectors for a fixed list of texts (an exemplar bank, FAQ phrasings), cached on disk.

The cache is one ``.npz`` file of float16 vectors keyed by a hash of model name and text, so a
restart embeds only texts that are new or were edited, and a model change re-embeds everything. A
damaged cache is ignored, never trusted; the file is rewritten atomically, and only when something
new was computed and the caller asks for it (``persist``) and the folder is writable.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.semantic.encoder import Encoder, PassageEncoder

log = logging.getLogger(__name__)


def text_key(model: str, text: str, *, passage: bool = False) -> str:
    """The cache key of one text under one model. A passage-prefixed vector has its own key, so
    the query and the passage embedding of the same text never stand in for each other."""
    kind = "passage\n" if passage else ""
    return hashlib.sha256(f"{model}\n{kind}{text}".encode()).hexdigest()[:32]


def embed_cached(encoder: Encoder, texts: Sequence[str], cache: Path | None, *, persist: bool = True,
                 passages: Sequence[str] = ()) -> np.ndarray:
    """One L2-normalised float32 row per text, then one per passage: from ``cache`` where model
    and text match, the rest computed (and written back when ``persist``).

    ``passages`` are answer texts, embedded with the encoder's passage prefix where it has one
    (:class:`~bot.semantic.encoder.PassageEncoder`); an encoder without it embeds them as it
    embeds queries, under the query key. Both kinds go through one call because the cache file
    keeps only the texts of its last call."""
    as_passages = isinstance(encoder, PassageEncoder)
    keys = ([text_key(encoder.name, t) for t in texts]
            + [text_key(encoder.name, t, passage=as_passages) for t in passages])
    known = _read(cache, encoder.dim)
    missing_queries = [i for i, k in enumerate(keys[:len(texts)]) if k not in known]
    missing_passages = [i for i, k in enumerate(keys[len(texts):]) if k not in known]
    for missing, source, offset, embed in (
            (missing_queries, texts, 0, encoder.encode),
            (missing_passages, passages, len(texts), encoder.encode_passages if as_passages else encoder.encode)):
        if not missing:
            continue
        fresh = embed([source[i] for i in missing])
        for row, i in enumerate(missing):
            known[keys[offset + i]] = fresh[row].astype(np.float16)
    if (missing_queries or missing_passages) and persist and cache is not None:
        _write(cache, {k: known[k] for k in keys})
    vectors = (np.stack([known[k].astype(np.float32) for k in keys]) if keys
               else np.zeros((0, encoder.dim), np.float32))
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)
    return vectors


def _read(path: Path | None, dim: int) -> dict[str, np.ndarray]:
    if path is None or not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            keys, vectors = data["keys"], data["vectors"]
            if vectors.ndim == 2 and vectors.shape[1] == dim and len(keys) == len(vectors):
                return {str(k): vectors[i] for i, k in enumerate(keys)}
    except Exception:  # a damaged cache is ignored, never trusted
        log.warning("the embedding cache %s could not be read; re-embedding", path.name)
    return {}


def _write(path: Path, known: dict[str, np.ndarray]) -> None:
    try:
        buffer = io.BytesIO()
        keys = sorted(known)
        np.savez_compressed(buffer, keys=np.array(keys), vectors=np.stack([known[k] for k in keys]).astype(np.float16))
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(buffer.getvalue())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only content folder: vectors are recomputed at the next start
