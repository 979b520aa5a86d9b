"""`refapps imdb ...` through Typer's CliRunner: train, evaluate, predict, lr-find, bad input."""

from __future__ import annotations

import csv
import json
import shutil
import sys
from pathlib import Path

import pytest
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
    "--min-ngram-reviews",
    "1",
    "--epochs",
    "1",
    "--batch-size",
    "8",
]


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["imdb", "--help"])
    assert result.exit_code == 0
    for command in ("download", "train", "evaluate", "predict", "lr-find"):
        assert command in result.output


def test_train_then_evaluate(data_root: Path, tmp_path: Path) -> None:
    runs = ["--runs-dir", str(tmp_path / "runs")]
    result = runner.invoke(app, ["imdb", "train", *TINY, *runs])
    assert result.exit_code == 0, result.output
    assert "test/accuracy" in result.output
    result = runner.invoke(app, ["imdb", "evaluate", *runs, "--json"])
    assert result.exit_code == 0, result.output
    assert {"test/accuracy", "test/auroc", "test/f1"} <= json.loads(result.output).keys()


@pytest.fixture
def runs(trained_run: Path, tmp_path: Path) -> list[str]:
    """A copy of the shared run (tests may edit its model.json)."""
    root = tmp_path / "runs"
    shutil.copytree(trained_run.parent.parent, root)
    return ["--runs-dir", str(root)]


def test_predict_reads_arguments_stdin_file_and_csv(runs: list[str], tmp_path: Path) -> None:
    reviews = tmp_path / "reviews.txt"
    reviews.write_text("great wonderful\n\nawful boring\n", encoding="utf-8")
    table = tmp_path / "reviews.csv"
    table.write_text('id,review\n1,"superb, moving"\n', encoding="utf-8")
    args = ["a great film", "-", "--file", str(reviews), "--csv", str(table), "--column", "review"]
    result = runner.invoke(app, ["imdb", "predict", *args, *runs, "--json"], input="dull\n")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["text"] for r in rows] == [
        "a great film",
        "dull",
        "great wonderful",
        "awful boring",
        "superb, moving",
    ]
    assert list(rows[0]) == ["text", "label", "probability", "reason"]


@pytest.mark.parametrize("blank", ["", "   "])
def test_predict_csv_answers_every_row_even_an_empty_one(
    runs: list[str], tmp_path: Path, blank: str
) -> None:
    table = tmp_path / "three.csv"
    table.write_text(f"text\ngreat wonderful\n{blank}\nawful boring\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["imdb", "predict", "--csv", str(table), "--out", str(out), *runs])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["text"] for r in rows] == ["great wonderful", blank, "awful boring"]
    assert [r["label"] for r in rows] == ["positive", "", "negative"]
    assert rows[1]["probability"] == ""
    assert "empty" in rows[1]["reason"]
    assert rows[0]["reason"] == rows[2]["reason"] == ""
    two_columns = tmp_path / "two.csv"
    two_columns.write_text("id,text\n1,great\n2,\n3,awful\n", encoding="utf-8")
    args = ["imdb", "predict", "--csv", str(two_columns), *runs, "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert [r["label"] for r in json.loads(result.output)] == ["positive", "", "negative"]


def test_predict_out_writes_every_row_and_the_table_says_what_it_hides(
    runs: list[str], tmp_path: Path
) -> None:
    reviews = tmp_path / "many.txt"
    reviews.write_text("".join(f"great film number {i}\n" for i in range(60)), encoding="utf-8")
    result = runner.invoke(app, ["imdb", "predict", "--file", str(reviews), *runs])
    assert result.exit_code == 0, result.output
    assert "First 50 of 60 rows" in result.output
    out = tmp_path / "results.csv"
    result = runner.invoke(
        app, ["imdb", "predict", "--file", str(reviews), "--out", str(out), *runs]
    )
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 60
    assert list(rows[0]) == ["text", "label", "probability", "reason"]
    assert {r["label"] for r in rows} <= {"positive", "negative"}


def test_threshold_saved_in_the_run_is_applied_by_the_cli(runs: list[str]) -> None:
    meta_path = next(Path(runs[1]).glob("imdb/*/model.json"))
    meta = json.loads(meta_path.read_text())
    assert 0.0 < meta["threshold"] < 1.0
    for threshold, label in ((0.999, "negative"), (0.001, "positive")):
        meta_path.write_text(json.dumps(meta | {"threshold": threshold}))
        result = runner.invoke(app, ["imdb", "predict", "great wonderful superb", *runs, "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)[0]["label"] == label


def test_bad_input_exits_2_with_the_fix_and_writes_nothing(runs: list[str], tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("très bon film\n".encode("latin-1"))
    out = tmp_path / "out.csv"
    cases = [
        (["--file", str(latin1), "--out", str(out)], "not UTF-8 text"),
        (["--file", str(tmp_path / "missing.txt")], "File not found"),
        (["   "], "is empty"),
        (["good", "--out", str(tmp_path)], "is a folder"),
        ([], "--file"),
        ([b"tr\xe8s bon film".decode("utf-8", "surrogateescape")], "not valid UTF-8"),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["imdb", "predict", *args, *runs])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert not out.exists()
    result = runner.invoke(app, ["imdb", "train", "--model", "gpt", "--runs-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "--model must be one of" in result.output
    result = runner.invoke(app, ["imdb", "predict", "good", "--runs-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "refapps imdb train" in result.output


def test_lr_find_suggests_a_rate_and_saves_the_plot(data_root: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["imdb", "lr-find", "--runs-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Suggested learning rate" in result.output
    assert (tmp_path / "imdb" / "lr_find.png").is_file()


def test_an_option_of_a_copy_without_extras_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A copy made without extras/ (`refapps new`) trains the defaults and names what it lacks."""
    from apps.imdb import dispatch

    monkeypatch.setitem(sys.modules, f"{dispatch.__package__}.extras.options", None)
    result = runner.invoke(app, ["imdb", "train", "--no-lexicon", "--runs-dir", "unused"])
    assert result.exit_code == 2
    assert "--no-lexicon" in result.output
    assert "extras/, which this copy of the app leaves out" in result.output
    assert "Traceback" not in result.output
