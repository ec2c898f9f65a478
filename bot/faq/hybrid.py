"""The semantic half of FAQ search: sentence-embedding similarity between a question and every
phrasing (question and aliases) of every entry.

Why a hybrid: the lexical index is precise when members use the entries' words, and helpless when
they don't ("my head is full of cotton wool"); a sentence model links paraphrases but cannot tell
"fibro fog" jargon or an uncovered detail ("teeth") on its own. Blending the two confidences and
answering only when the blend is confident beat either alone on the tuning set, above all on
abstention. The weights below were tuned on ``tests/data/faq_queries.jsonl`` only.

Vectors for phrasings are cached in ``content/faq-embeddings.npz`` keyed by model and text, so a
restart re-embeds only edited phrasings; the cache is rewritten only for the files' own entries
(never for drafts published from Discord, which are embedded in memory).
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

from bot.faq.models import FaqEntry
from bot.faq.text import strip_noise
from bot.semantic import Encoder

log = logging.getLogger(__name__)

CACHE_FILE = "faq-embeddings.npz"
LEXICAL_WEIGHT = 0.6  # blend: 0.6 x lexical confidence + 0.4 x scaled cosine
LEXICAL_FLOOR = 0.5  # and the answer's own lexical confidence must reach this: a high cosine alone
# cannot answer a question about something the pack never covers ("is cbd oil good for fibro")
COSINE_FLOOR = 0.85  # cosine at or below this counts as no similarity (e5 cosines sit high)
COSINE_CEILING = 0.97  # cosine at or above this counts as a perfect paraphrase


def _key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()[:32]


def _read_cache(path: Path | None, dim: int) -> dict[str, np.ndarray]:
    if path is None or not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            keys, vectors = data["keys"], data["vectors"]
            if vectors.ndim == 2 and vectors.shape[1] == dim and len(keys) == len(vectors):
                return {str(k): vectors[i] for i, k in enumerate(keys)}
    except Exception:  # a damaged cache is ignored, never trusted
        log.warning("the FAQ embedding cache could not be read; re-embedding")
    return {}


def _write_cache(path: Path, known: dict[str, np.ndarray]) -> None:
    try:
        buffer = io.BytesIO()
        keys = sorted(known)
        np.savez_compressed(buffer, keys=np.array(keys), vectors=np.stack([known[k] for k in keys]).astype(np.float16))
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".faq-embeddings-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(buffer.getvalue())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only content folder: vectors are recomputed at the next start


def scaled(cosine: float) -> float:
    """A cosine as a 0..1 similarity on the scale the blend uses."""
    return min(1.0, max(0.0, (cosine - COSINE_FLOOR) / (COSINE_CEILING - COSINE_FLOOR)))


def blend(lexical: float, cosine: float) -> float:
    return LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * scaled(cosine)


class SemanticRanker:
    """Per-entry best cosine between a question and the entry's phrasings."""

    def __init__(self, encoder: Encoder, entries: Sequence[FaqEntry], *, cache: Path | None = None,
                 persist: bool = False) -> None:
        self.encoder = encoder
        texts: list[str] = []
        owners: list[int] = []
        for index, entry in enumerate(entries):
            for text in dict.fromkeys([entry.question, *entry.meta.aliases]):
                texts.append(text)
                owners.append(index)
        keys = [_key(encoder.name, t) for t in texts]
        known = _read_cache(cache, encoder.dim)
        missing = [i for i, k in enumerate(keys) if k not in known]
        if missing:
            fresh = encoder.encode([texts[i] for i in missing])
            for row, i in enumerate(missing):
                known[keys[i]] = fresh[row].astype(np.float16)
            if persist and cache is not None:
                _write_cache(cache, {k: known[k] for k in keys})
        vectors = (np.stack([known[k].astype(np.float32) for k in keys]) if keys
                   else np.zeros((0, encoder.dim), np.float32))
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)
        self._vectors = vectors
        self._owners = np.asarray(owners, dtype=np.int64)
        self._count = len(entries)

    def cosines(self, text: str) -> np.ndarray:
        """Best cosine per entry (index order of the entries given), -1 where none."""
        best = np.full(self._count, -1.0, dtype=np.float32)
        cleaned = " ".join(strip_noise(text).split())
        if not cleaned or not len(self._vectors):
            return best
        query = self.encoder.encode([cleaned])[0]
        np.maximum.at(best, self._owners, self._vectors @ query)
        return best
