from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

from apps.cifar import cli as cifar_cli
from apps.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["cifar", *args])


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "download", "lr-find"])
def test_every_command_has_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_train_dry_run_prints_the_run_folder(tmp_path: Path) -> None:
    runs = str(tmp_path / "runs")
    trained = run("train", "--dry-run", "--width", "8", "--batch-size", "8", "--runs-dir", runs)
    assert trained.exit_code == 0, trained.output
    assert "Run folder" in trained.output
    assert len(list((tmp_path / "runs" / "cifar").glob("*/model.safetensors"))) == 1


def test_lr_find_sweeps_the_default_model_and_saves_the_plot(tmp_path: Path) -> None:
    result = run("lr-find", "--runs-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "Suggested learning rate" in result.output
    assert (tmp_path / "cifar" / "lr_find.png").stat().st_size > 0


def test_bad_model_name_exits_2(tmp_path: Path) -> None:
    result = run("train", "--dry-run", "--model", "resnet152", "--runs-dir", str(tmp_path))
    assert result.exit_code == 2
    assert "--model must be one of" in result.output


@pytest.fixture
def photos(data_root: Path, tmp_path: Path) -> list[str]:
    """Three readable images of different modes and one broken file."""
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.new("RGBA", (100, 60), (200, 10, 10, 255)).save(folder / "red.png")
    Image.new("L", (20, 20), 128).save(folder / "gray.webp")
    (folder / "broken.jpg").write_bytes(b"not a jpeg")
    return [str(folder), str(data_root / "cifar2" / "test" / "0_airplane" / "0.jpg")]


def test_predict_writes_only_readable_rows_with_clean_class_names(
    trained_run: Path, photos: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "predictions.csv"
    result = run("predict", *photos, "--run-dir", str(trained_run), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "broken.jpg: not a readable image" in result.output
    assert "Wrote 3 predictions" in result.output
    assert "1 unreadable skipped" in result.output
    table = pd.read_csv(out)
    assert list(table.columns) == ["file", "label", "airplane", "automobile"]
    assert len(table) == 3
    assert set(table["label"]) <= {"airplane", "automobile"}
    assert (table["airplane"] + table["automobile"]).round(3).eq(1.0).all()


def test_predict_table_and_json_use_clean_class_names(
    trained_run: Path, photos: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cifar_cli, "MAX_TABLE_ROWS", 2)
    shown = run("predict", *photos, "--run-dir", str(trained_run))
    assert shown.exit_code == 0, shown.output
    assert "First 2 of 3 rows; use --out FILE.csv for all." in shown.output
    assert "automobile" in shown.output
    assert "1_automobile" not in shown.output  # (no input path holds that folder name)
    as_json = run("predict", *photos, "--run-dir", str(trained_run), "--json")
    rows = json.loads(as_json.stdout)
    assert len(rows) == 3
    assert {row["label"] for row in rows} <= {"airplane", "automobile"}


def test_predict_only_bad_files_writes_nothing_and_exits_2(
    trained_run: Path, tmp_path: Path
) -> None:
    bad, empty, out = tmp_path / "notes.png", tmp_path / "empty.jpg", tmp_path / "out.csv"
    bad.write_text("hello")
    empty.write_bytes(b"")
    result = run("predict", str(bad), str(empty), "--run-dir", str(trained_run), "--out", str(out))
    assert result.exit_code == 2
    assert "notes.png" in result.output
    assert "None of the 2 files is a readable image" in result.output
    assert "Wrote" not in result.output
    assert not out.exists()


def test_predict_out_folder_or_unwritable_path_exits_2(
    trained_run: Path, photos: list[str], tmp_path: Path
) -> None:
    folder = run("predict", *photos, "--run-dir", str(trained_run), "--out", str(tmp_path))
    assert folder.exit_code == 2
    assert "is a folder; give a file name" in folder.output
    (tmp_path / "file.txt").write_text("x")
    under_file = tmp_path / "file.txt" / "out.csv"
    blocked = run("predict", *photos, "--run-dir", str(trained_run), "--out", str(under_file))
    assert blocked.exit_code == 2
    assert "file.txt" in blocked.output
    assert "not a folder" in blocked.output
    assert "Traceback" not in folder.output + blocked.output


def test_predict_missing_path_exits_2(trained_run: Path, tmp_path: Path) -> None:
    result = run("predict", str(tmp_path / "nope.jpg"), "--run-dir", str(trained_run))
    assert result.exit_code == 2
    assert "Not found" in result.output
    assert "Traceback" not in result.output
