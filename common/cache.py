"""Scores of long lists of texts, computed once on every core and kept in `cache_dir(app)`
(which may be deleted at any time).

    refapps imdb train    # the second run reads VADER's scores of the test reviews from here
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from rich.progress import track

from common.data import cache_dir
from common.files import atomic_write
from common.progress import console

CACHED_FROM = 1000  # shorter lists are scored in this process and not kept


def cached_scores(
    app: str, name: str, score: Callable[[list[str]], list[float]], texts: list[str]
) -> np.ndarray:
    """(N,) `score(texts)`; from `CACHED_FROM` texts on, computed in chunks on every core
    (`score` must be a module-level function) and kept under `name` and the texts' hash."""
    if len(texts) < CACHED_FROM:
        return np.array(score(texts), dtype=np.float64).reshape(-1)
    digest = hashlib.sha256("\0".join(texts).encode("utf-8", "surrogatepass")).hexdigest()
    path = cache_dir(app) / f"{name}-{digest[:24]}.f64"
    if path.is_file() and path.stat().st_size == 8 * len(texts):
        return np.fromfile(path, dtype=np.float64)
    workers = os.cpu_count() or 1
    size = max(1, -(-len(texts) // (4 * workers)))  # 4 chunks a worker: an even finish
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    with ProcessPoolExecutor(workers) as pool:
        parts = pool.map(score, chunks)  # in order; a bar, as the first run takes a minute
        shown = track(parts, f"{name}: {len(texts):,} texts", len(chunks), console=console)
        scores = np.array([s for part in shown for s in part], dtype=np.float64)
    atomic_write(path, lambda tmp: tmp.write_bytes(scores.tobytes()))
    return scores
