"""--train-file / --test-file: a CSV/TSV of (label, text), read or refused with the row named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apps.cli import app
from apps.imdb.config import DataConfig
from apps.imdb.extras.table_files import read_split, read_table
from common.errors import UserError

runner = CliRunner()


def test_read_table_tsv_without_header_and_csv_with_header(tmp_path: Path) -> None:
    tsv = tmp_path / "train.tsv"
    tsv.write_text('1\tloved it, "really"\n0\thated it\n', encoding="utf-8")
    reviews = read_table(tsv)
    assert reviews.texts == ['loved it, "really"', "hated it"]
    assert reviews.labels.tolist() == [1, 0]
    csv = tmp_path / "train.csv"
    csv.write_text('label,text\npos,"good, fun"\nneg,bad\n', encoding="utf-8")
    assert read_table(csv).labels.tolist() == [1, 0]
    assert read_split(DataConfig(test_file=csv), "test").texts == ["good, fun", "bad"]


def test_read_table_bad_label_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("1\tfine\nmaybe\tunsure\n", encoding="utf-8")
    with pytest.raises(UserError, match="row 2"):
        read_table(path)


def test_train_and_evaluate_on_files(data_root: Path, tmp_path: Path) -> None:
    table = tmp_path / "reviews.csv"
    rows = [f"{i % 2},{'great wonderful' if i % 2 else 'awful boring'} film {i}" for i in range(16)]
    table.write_text("label,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    files = ["--train-file", str(table), "--test-file", str(table)]
    runs = ["--runs-dir", str(tmp_path / "runs")]
    tiny = ["--vocab-size", "50", "--min-frequency", "1", "--num-buckets", "101"]
    result = runner.invoke(app, ["imdb", "train", *files, *tiny, "--min-ngram-reviews", "1", *runs])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["imdb", "evaluate", *runs, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["num_samples"] == 16  # the saved --test-file, not aclImdb


def test_resume_of_a_run_trained_on_files_reads_them_again(data_root: Path, tmp_path: Path) -> None:
    """The CLI picks the parts of extras/ from the resumed run's config, not from its options."""
    table = tmp_path / "reviews.csv"
    rows = [f"{i % 2},{'great wonderful' if i % 2 else 'awful boring'} film {i}" for i in range(16)]
    table.write_text("label,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    runs = ["--runs-dir", str(tmp_path / "runs")]
    tiny = ["--vocab-size", "50", "--min-frequency", "1", "--num-buckets", "101"]
    args = ["imdb", "train", "--train-file", str(table), "--test-file", str(table), *tiny]
    result = runner.invoke(app, [*args, "--min-ngram-reviews", "1", "--epochs", "1", *runs])
    assert result.exit_code == 0, result.output
    run_dir = next((tmp_path / "runs" / "imdb").glob("2*"))
    result = runner.invoke(app, ["imdb", "train", "--resume", str(run_dir), "--epochs", "2"])
    assert result.exit_code == 0, result.output
    assert "table_files" not in result.output
    history = (run_dir / "history.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in history[1:]] == ["1", "2"]
