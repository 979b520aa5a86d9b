"""The quick benchmark: test, other-site and choosing-set rows for the model and every baseline."""

from __future__ import annotations

from pathlib import Path

from apps.imdb.bench import run_bench

KEYS = {"app", "model", "kind", "metric", "value", "device", "torch", "tutorial"}
OTHER = {"yelp/accuracy", "yelp/positive_rate", "amazon/accuracy", "amazon/positive_rate"}


def test_quick_bench_reports_test_and_other_sites_for_every_model(data_root: Path) -> None:
    rows = run_bench(quick=True)
    metrics: dict[str, set[str]] = {}
    for row in rows:
        assert set(row) >= KEYS, row
        assert 0.0 <= row["value"] <= 1.0
        metrics.setdefault(row["model"], set()).add(row["metric"])
    assert list(metrics) == ["ngram_nb", "tutorial_cnn", "tfidf_logreg", "nbsvm_logreg", "vader"]
    for model, found in metrics.items():
        assert found >= OTHER | {"cr/balanced_accuracy"}, model
        assert "test/accuracy" in found, model  # VADER too: its test scores are cached
    default_test = next(
        r for r in rows if r["model"] == "ngram_nb" and r["metric"] == "test/accuracy"
    )
    assert default_test["train_seconds"] > 0
    assert default_test["predict_reviews_per_second"] > 0
    assert 0.0 < default_test["threshold"] < 1.0
    yelp = next(r for r in rows if r["model"] == "vader" and r["metric"] == "yelp/accuracy")
    assert {"negative_accuracy", "positive_accuracy"} <= set(yelp)
    cr = next(r for r in rows if r["model"] == "vader" and r["metric"] == "cr/balanced_accuracy")
    assert cr["value"] > 0.9  # VADER reads the lexicon words of the fake set
    assert 0.0 <= cr["positive_rate"] <= 1.0
