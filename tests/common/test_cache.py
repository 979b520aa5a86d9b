"""common.cache: scores of long lists of texts, computed on every core, then read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from common import cache as cache_module
from common.cache import cached_scores


def word_counts(texts: list[str]) -> list[float]:
    return [float(len(t.split())) for t in texts]


def test_long_lists_are_scored_in_worker_processes_in_order_then_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFAPPS_CACHE", str(tmp_path))
    monkeypatch.setattr(cache_module, "CACHED_FROM", 3)
    texts = [" ".join(["w"] * n) for n in range(1, 12)]
    scores = cached_scores("app", "words", word_counts, texts)
    assert scores.tolist() == list(range(1, 12))
    assert [p.name.split("-")[0] for p in tmp_path.glob("app/*.f64")] == ["words"]
    assert cached_scores("app", "words", word_counts, texts[:2]).tolist() == [1.0, 2.0]
    assert len(list(tmp_path.glob("app/*.f64"))) == 1  # a short list is not kept
    assert np.array_equal(cached_scores("app", "words", len, texts), scores)  # read back
