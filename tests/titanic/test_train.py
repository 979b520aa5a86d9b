from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import torch

from apps.titanic import data
from apps.titanic.config import DataConfig, ModelConfig
from apps.titanic.train import evaluate, find_lr, train

RUN_FILES = (
    "config.json",
    "model.json",
    "model.safetensors",
    "last.pt",
    "history.csv",
    "curves.png",
    "metrics.json",
)
TEST_KEYS = {"test/accuracy", "test/auroc", "test/f1", "test/precision", "test/recall"}


def test_train_writes_every_run_file(trained_run: Path) -> None:
    for name in RUN_FILES:
        assert (trained_run / name).is_file(), name
    assert (trained_run.parent / "LATEST").read_text().strip() == trained_run.name
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert TEST_KEYS | {"test/loss", "train_seconds"} <= set(metrics)
    assert all(0.0 <= metrics[k] <= 1.0 for k in TEST_KEYS)
    meta = json.loads((trained_run / "model.json").read_text())
    assert meta["app"] == "titanic"
    assert meta["model_args"]["hidden"] == [8]
    assert meta["model_args"]["num_models"] == 2
    assert meta["num_train"] == 40
    assert {"categories", "medians", "means", "stds", "tickets", "mates"} <= set(
        meta["preprocessor"]
    )
    history = pd.read_csv(trained_run / "history.csv")
    assert history["epoch"].tolist() == [1, 2]
    # no validation split by default: the per-epoch curve is the test split, and says so
    assert {"train/loss", "test/loss", "test/accuracy", "lr"} <= set(history.columns)
    assert not any(column.startswith("val/") for column in history.columns)


def test_loop_styles_give_identical_test_metrics(
    data_cfg: DataConfig, tiny_model_cfg: ModelConfig, make_train_cfg, tmp_path: Path
) -> None:
    metrics = [
        train(data_cfg, tiny_model_cfg, make_train_cfg(tmp_path, loop=loop), False).metrics
        for loop in ("script", "function", "class")
    ]
    assert metrics[0] == pytest.approx(metrics[1], abs=1e-6)
    assert metrics[0] == pytest.approx(metrics[2], abs=1e-6)


def test_resume_with_more_epochs_continues_the_count(
    data_cfg: DataConfig, tiny_model_cfg: ModelConfig, make_train_cfg, tmp_path: Path
) -> None:
    first = train(data_cfg, tiny_model_cfg, make_train_cfg(tmp_path), progress=False)
    resumed = train(
        DataConfig(),  # ignored: a resumed run keeps the configs it was started with
        ModelConfig(),
        make_train_cfg(tmp_path, epochs=4, resume=first.run_dir),
        progress=False,
    )
    assert resumed.run_dir == first.run_dir
    assert [r["epoch"] for r in resumed.history] == [1, 2, 3, 4]
    assert pd.read_csv(first.run_dir / "history.csv")["epoch"].tolist() == [1, 2, 3, 4]
    saved = json.loads((first.run_dir / "config.json").read_text())
    assert saved["model"]["hidden"] == [8]


def test_evaluate_returns_metrics_and_confusion_matrix(trained_run: Path) -> None:
    result = evaluate(trained_run)
    assert set(result) >= TEST_KEYS
    matrix = result["confusion_matrix"]["values"]
    assert sum(map(sum, matrix)) == result["num_samples"] == 20
    trained = json.loads((trained_run / "metrics.json").read_text())
    assert result["test/accuracy"] == pytest.approx(trained["test/accuracy"], abs=1e-6)
    saved = json.loads((trained_run / "evaluation.json").read_text())
    assert saved["confusion_matrix"]["values"] == matrix


def test_evaluate_on_another_csv(trained_run: Path, train_csv: Path) -> None:
    assert evaluate(trained_run, test_csv=train_csv)["num_samples"] == 40


def test_find_lr_writes_the_plot(
    data_cfg: DataConfig, tiny_model_cfg: ModelConfig, make_train_cfg, tmp_path: Path
) -> None:
    result = find_lr(data_cfg, tiny_model_cfg, make_train_cfg(tmp_path))
    assert result.plot_path == tmp_path / "titanic" / "lr_find.png"
    assert result.plot_path.stat().st_size > 0
    assert 1e-6 <= result.suggested_lr <= 1.0


def test_ensemble_members_differ_and_the_output_averages_them(trained_run: Path) -> None:
    from apps.titanic.predict import load_predictor

    model = load_predictor(trained_run).model
    first, second = (m.linear.weight for m in model.members)
    assert not torch.equal(first, second)  # each member has its own seed
    x = torch.randn(5, first.shape[1])
    expected = torch.stack([m(x).sigmoid() for m in model.members]).mean(0)
    assert torch.allclose(model(x).sigmoid(), expected, atol=1e-5)


def test_quick_bench_returns_cv_and_test_rows_for_every_model(
    train_csv: Path, test_csv: Path, monkeypatch
) -> None:
    from apps.titanic.bench import run_bench

    # the fake CSVs are not the sha256-verified defaults, so stand in for the download
    monkeypatch.setattr(data, "download", lambda data_dir=None: [train_csv, test_csv])
    rows = run_bench(quick=True)
    models = ["TitanicEnsemble", "logistic_regression", "hist_gradient_boosting"]
    models += ["random_forest", "svm"]
    cv_rows = [r for r in rows if r["metric"] == "cv/accuracy"]
    test_rows = [r for r in rows if r["metric"] == "test/accuracy"]
    assert [r["model"] for r in cv_rows] == [r["model"] for r in test_rows] == models
    assert [r["kind"] for r in cv_rows] == ["model"] + ["baseline"] * 4
    keys = {"app", "model", "metric", "value", "train_seconds", "device", "torch", "kind"}
    for row in rows:
        assert keys <= set(row)
        assert row["app"] == "titanic"
        assert row["device"] == "cpu"
        assert 0.0 <= row["value"] <= 1.0
    assert all(r["std"] >= 0 for r in cv_rows)
    assert test_rows[0]["tutorial"] == 0.810
