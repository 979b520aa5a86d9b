"""`refapps imdb ...` through Typer's CliRunner: train, evaluate, predict and bad input."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from apps.cli import app

runner = CliRunner()
TINY = [
    "--vocab-size",
    "200",
    "--min-frequency",
    "1",
    "--max-tokens",
    "64",
    "--num-buckets",
    "1009",
    "--epochs",
    "1",
    "--batch-size",
    "8",
]


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["imdb", "--help"])
    assert result.exit_code == 0
    for command in ("download", "train", "evaluate", "predict"):
        assert command in result.output


def test_train_evaluate_predict(data_root: Path, tmp_path: Path) -> None:
    runs = ["--runs-dir", str(tmp_path / "runs")]
    result = runner.invoke(app, ["imdb", "train", *TINY, *runs])
    assert result.exit_code == 0, result.output
    assert "test/accuracy" in result.output
    result = runner.invoke(app, ["imdb", "evaluate", *runs, "--json"])
    assert result.exit_code == 0, result.output
    assert {"test/accuracy", "test/auroc", "test/f1"} <= json.loads(result.output).keys()
    reviews = tmp_path / "reviews.txt"
    reviews.write_text("great wonderful\n\nawful boring\n", encoding="utf-8")
    csv = tmp_path / "reviews.csv"
    csv.write_text('review\n"superb, moving"\n', encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "imdb",
            "predict",
            "a great film",
            "--file",
            str(reviews),
            "--csv",
            str(csv),
            "--column",
            "review",
            *runs,
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 4
    assert {"label", "probability"} <= rows[0].keys()


def test_bad_input_exits_2_with_the_fix(tmp_path: Path) -> None:
    result = runner.invoke(app, ["imdb", "train", "--model", "gpt", "--runs-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "--model must be one of" in result.output
    result = runner.invoke(app, ["imdb", "predict", "--runs-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "--file" in result.output
    result = runner.invoke(app, ["imdb", "predict", "good", "--runs-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "refapps imdb train" in result.output
    assert "Traceback" not in result.output
