"""`refapps bench titanic`: CV and test rows for the network, every classical model and rule."""

from __future__ import annotations

from pathlib import Path

from apps.titanic import data
from apps.titanic.config import APP
from apps.titanic.extras.baselines import CLASSICAL
from apps.titanic.extras.rules import RULES
from apps.titanic.model import MODEL_NAME


def test_quick_bench_returns_cv_and_test_rows_for_every_model(
    train_csv: Path, test_csv: Path, monkeypatch
) -> None:
    from apps.titanic.bench import run_bench

    # the fake CSVs are not the sha256-verified defaults, so stand in for the download
    monkeypatch.setattr(data, "download", lambda data_dir=None: [train_csv, test_csv])
    rows = run_bench(quick=True)
    models = [MODEL_NAME, *CLASSICAL, *RULES]
    cv_rows = [r for r in rows if r["metric"] == "cv/accuracy"]
    test_rows = [r for r in rows if r["metric"] == "test/accuracy"]
    assert [r["model"] for r in cv_rows] == [r["model"] for r in test_rows] == models
    assert [r["kind"] for r in cv_rows] == ["model"] + ["baseline"] * 6
    keys = {"app", "model", "metric", "value", "train_seconds", "device", "torch", "kind"}
    for row in rows:
        assert keys <= set(row)
        assert row["app"] == APP
        assert row["device"] == "cpu"
        assert 0.0 <= row["value"] <= 1.0
    assert all(r["std"] >= 0 for r in rows)
    assert all(r["seeds"] == 1 for r in rows)  # quick: one seed; the full bench: 3 (CV), 5 (test)
    assert test_rows[0]["tutorial"] == 0.810
