from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

from apps.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["cifar", *args])


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "download", "lr-find"])
def test_every_command_has_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_train_dry_run_then_evaluate(tmp_path: Path) -> None:
    runs = str(tmp_path / "runs")
    trained = run("train", "--dry-run", "--width", "8", "--batch-size", "8", "--runs-dir", runs)
    assert trained.exit_code == 0, trained.output
    assert "Run folder" in trained.output
    evaluated = run("evaluate", "--runs-dir", runs, "--json")
    assert evaluated.exit_code == 0, evaluated.output
    assert '"test/accuracy"' in evaluated.output


def test_bad_data_dir_exits_2_and_names_the_fix(tmp_path: Path) -> None:
    result = run("train", "--dry-run", "--data-dir", str(tmp_path), "--runs-dir", str(tmp_path))
    assert result.exit_code == 2
    assert "train/ folder" in result.output
    assert "Traceback" not in result.output


def test_bad_model_name_exits_2(tmp_path: Path) -> None:
    result = run("train", "--dry-run", "--model", "resnet152", "--runs-dir", str(tmp_path))
    assert result.exit_code == 2
    assert "--model must be one of" in result.output


def test_predict_writes_csv_and_reports_bad_files(
    trained_run: Path, data_root: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.new("RGBA", (100, 60), (200, 10, 10, 255)).save(folder / "red.png")
    Image.new("L", (20, 20), 128).save(folder / "gray.webp")
    (folder / "broken.jpg").write_bytes(b"not a jpeg")
    one = data_root / "cifar2" / "test" / "0_airplane" / "0.jpg"
    out = tmp_path / "predictions.csv"
    result = run("predict", str(folder), str(one), "--run-dir", str(trained_run), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "broken.jpg: not a readable image" in result.output
    table = pd.read_csv(out)
    assert len(table) == 4
    assert {"file", "class", "0_airplane", "1_automobile", "error"} <= set(table.columns)
    good = table[table["error"].isna()]
    assert len(good) == 3
    assert (good["0_airplane"] + good["1_automobile"]).round(3).eq(1.0).all()


def test_predict_only_bad_files_exits_2(trained_run: Path, tmp_path: Path) -> None:
    bad = tmp_path / "notes.png"
    bad.write_text("hello")
    result = run("predict", str(bad), "--run-dir", str(trained_run))
    assert result.exit_code == 2
    assert "notes.png" in result.output


def test_predict_missing_path_exits_2(trained_run: Path, tmp_path: Path) -> None:
    result = run("predict", str(tmp_path / "nope.jpg"), "--run-dir", str(trained_run))
    assert result.exit_code == 2
    assert "Not found" in result.output
    assert "Traceback" not in result.output


def test_evaluate_without_runs_says_how_to_train(tmp_path: Path) -> None:
    result = run("evaluate", "--runs-dir", str(tmp_path))
    assert result.exit_code == 2
    assert "refapps cifar train" in result.output
