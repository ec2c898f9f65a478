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

from bot.semantic.encoder import Encoder

log = logging.getLogger(__name__)


def text_key(model: str, text: str) -> str:
    """The cache key of one text under one model."""
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()[:32]


def embed_cached(encoder: Encoder, texts: Sequence[str], cache: Path | None, *, persist: bool = True) -> np.ndarray:
    """One L2-normalised float32 row per text: from ``cache`` where model and text match, the rest
    computed (and written back when ``persist``)."""
    keys = [text_key(encoder.name, t) for t in texts]
    known = _read(cache, encoder.dim)
    missing = [i for i, k in enumerate(keys) if k not in known]
    if missing:
        fresh = encoder.encode([texts[i] for i in missing])
        for row, i in enumerate(missing):
            known[keys[i]] = fresh[row].astype(np.float16)
        if persist and cache is not None:
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
