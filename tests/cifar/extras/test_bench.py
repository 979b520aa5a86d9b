"""`refapps bench cifar`: the default CNN beside the tutorial's net (extras/tutorial_net.py)."""

from __future__ import annotations

from apps.cifar.bench import run_bench

KEYS = {"app", "model", "metric", "value", "train_seconds", "samples_per_second", "device"}


def test_quick_bench_returns_one_row_per_configuration() -> None:
    rows = run_bench(quick=True)
    assert [r["model"] for r in rows] == ["cnn", "tutorial"]
    assert [r["kind"] for r in rows] == ["model", "baseline"]
    for row in rows:
        assert KEYS | {"torch", "tutorial"} <= set(row)
        assert 0.0 <= row["value"] <= 1.0
        assert row["train_seconds"] > 0
        assert row["predict_images_per_second"] > 0
