"""`refapps cifar evaluate`: per-class accuracy, the confusion matrix and two figures."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from apps.cifar.dispatch import run_builder, run_data_config, splits_loader
from apps.cifar.extras.report import evaluate
from apps.cli import app

runner = CliRunner()


def test_evaluate_writes_figures_and_per_class_accuracy(trained_run: Path) -> None:
    data_cfg = run_data_config(trained_run)
    result = evaluate(trained_run, data_cfg, splits_loader(data_cfg), run_builder(trained_run))
    assert {"test/accuracy", "test/auroc", "test/accuracy_airplane"} <= set(result)
    assert result["num_samples"] == 32
    assert sum(map(sum, result["confusion_matrix"]["values"])) == 32
    for name in ("confusion_matrix.png", "worst_images.png", "evaluation.json"):
        assert (trained_run / name).stat().st_size > 0


def test_train_dry_run_then_evaluate(tmp_path: Path) -> None:
    runs = str(tmp_path / "runs")
    trained = runner.invoke(
        app,
        ["cifar", "train", "--dry-run", "--width", "8", "--batch-size", "8", "--runs-dir", runs],
    )
    assert trained.exit_code == 0, trained.output
    evaluated = runner.invoke(app, ["cifar", "evaluate", "--runs-dir", runs, "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    assert '"test/accuracy"' in evaluated.output


def test_evaluate_on_another_folder(trained_run: Path, data_root: Path) -> None:
    args = ["cifar", "evaluate", "--run-dir", str(trained_run), "--data-dir"]
    result = runner.invoke(app, [*args, str(data_root / "cifar2"), "--no-flip"])
    assert result.exit_code == 0, result.output
    assert "Confusion matrix" in result.output


def test_evaluate_without_runs_says_how_to_train(tmp_path: Path) -> None:
    result = runner.invoke(app, ["cifar", "evaluate", "--runs-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "refapps cifar train" in result.output
