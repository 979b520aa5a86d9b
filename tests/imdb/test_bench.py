"""The quick benchmark returns one well-formed row per configuration."""

from __future__ import annotations

from pathlib import Path

from apps.imdb.bench import run_bench

KEYS = {"app", "model", "metric", "value", "train_seconds", "samples_per_second", "device"}


def test_quick_bench_returns_one_row_per_configuration(data_root: Path) -> None:
    rows = run_bench(quick=True)
    assert [r["model"] for r in rows] == [
        "ngram_nb",
        "tutorial_cnn",
        "tfidf_logreg",
        "nbsvm_logreg",
    ]
    assert [r["kind"] for r in rows] == ["model", "model", "baseline", "baseline"]
    for row in rows:
        assert KEYS | {"torch", "tutorial", "auroc", "f1"} <= set(row)
        assert 0.0 <= row["value"] <= 1.0
        assert row["train_seconds"] > 0
