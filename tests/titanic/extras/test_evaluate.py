"""`refapps titanic evaluate`: a finished run scored again, with its confusion matrix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apps.cli import app
from apps.titanic.config import APP
from apps.titanic.extras.evaluate import evaluate

TEST_KEYS = {"test/accuracy", "test/auroc", "test/f1", "test/precision", "test/recall"}


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


def test_cli_evaluate_prints_json_and_the_confusion_matrix(trained_run: Path) -> None:
    runs = trained_run.parent.parent
    evaluated = CliRunner().invoke(app, [APP, "evaluate", "--runs-dir", str(runs), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    result = json.loads(evaluated.output)
    assert sum(map(sum, result["confusion_matrix"]["values"])) == 20
    table = CliRunner().invoke(app, [APP, "evaluate", "--run-dir", str(trained_run)])
    assert table.exit_code == 0, table.output
    assert "Confusion matrix" in table.output
