"""`predict --kaggle`: exactly `PassengerId,Survived`, and every bad id refused by name."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from apps.cli import app
from apps.titanic.config import APP


def run(*args: object):
    return CliRunner().invoke(app, [APP, *map(str, args)])


def kaggle_test_csv(test_csv: Path, tmp_path: Path) -> Path:
    """Kaggle's test.csv shape: no Survived, blank ages, one blank fare, the title 'Dona'."""
    df = pd.read_csv(test_csv).drop(columns=["Survived"])
    df.loc[[0, 4], "Age"] = None
    df.loc[2, "Fare"] = None
    df.loc[3, "Name"] = "Oliva y Ocana, Dona. Fermina"
    df.loc[5, "Ticket"] = "NEVER-SEEN 123"
    path = tmp_path / "kaggle_test.csv"
    df.to_csv(path, index=False)
    return path


def test_predict_kaggle_writes_exactly_passengerid_survived(
    trained_run: Path, test_csv: Path, tmp_path: Path
) -> None:
    source = kaggle_test_csv(test_csv, tmp_path)
    out = tmp_path / "submission.csv"
    result = run("predict", "--run-dir", trained_run, "--csv", source, "--kaggle", out)
    assert result.exit_code == 0, result.output
    assert "Wrote a Kaggle submission of 20 passengers" in result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "PassengerId,Survived"
    assert len(lines) == 21
    ids = [int(line.split(",")[0]) for line in lines[1:]]
    assert ids == pd.read_csv(source)["PassengerId"].tolist()
    assert {line.split(",")[1] for line in lines[1:]} <= {"0", "1"}


def test_predict_kaggle_with_out_writes_both_files(
    trained_run: Path, test_csv: Path, tmp_path: Path
) -> None:
    """--out was silently ignored beside --kaggle; now both files are written."""
    source = kaggle_test_csv(test_csv, tmp_path)
    kaggle, out = tmp_path / "submission.csv", tmp_path / "probabilities.csv"
    args = ("--csv", source, "--kaggle", kaggle, "--out", out)
    result = run("predict", "--run-dir", trained_run, *args)
    assert result.exit_code == 0, result.output
    submission, table = pd.read_csv(kaggle), pd.read_csv(out)
    assert list(submission.columns) == ["PassengerId", "Survived"]
    assert list(table.columns[:2]) == ["predicted", "survival_probability"]
    assert table["predicted"].tolist() == submission["Survived"].tolist()
    assert "Wrote 20 predictions" in result.output


def test_predict_kaggle_and_out_on_one_file_is_refused(
    trained_run: Path, test_csv: Path, tmp_path: Path
) -> None:
    same = tmp_path / "same.csv"
    result = run(
        "predict", "--run-dir", trained_run, "--csv", test_csv, "--kaggle", same, "--out", same
    )
    assert result.exit_code == 2
    assert "--kaggle and --out name the same file" in result.output
    assert not same.exists()


def test_missing_passenger_id_column_is_named(
    trained_run: Path, test_csv: Path, tmp_path: Path
) -> None:
    path = tmp_path / "no_id.csv"
    pd.read_csv(test_csv).drop(columns=["PassengerId"]).to_csv(path, index=False)
    out = tmp_path / "s.csv"
    result = run("predict", "--run-dir", trained_run, "--csv", path, "--kaggle", out)
    assert result.exit_code == 2
    assert "has no PassengerId column" in result.output
    assert "whole number" not in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ([100, 101, 101, 103, 103, 103], "PassengerId 101, 103 appear(s) more than once"),
        ([100, 101, "x", 103, 104, 105], "every PassengerId must be a whole number (row 3: 'x')"),
        ([100, 101, None, 103, 104, 105], "every PassengerId must be a whole number (row 3"),
        ([100, 101, 102.5, 103, 104, 105], "every PassengerId must be a whole number (row 3"),
    ],
)
def test_bad_passenger_ids_are_refused_by_name(
    trained_run: Path, test_csv: Path, tmp_path: Path, ids: list, message: str
) -> None:
    path, out = tmp_path / "ids.csv", tmp_path / "s.csv"
    df = pd.read_csv(test_csv).head(6).astype({"PassengerId": object})
    df["PassengerId"] = ids
    df.to_csv(path, index=False)
    result = run("predict", "--run-dir", trained_run, "--csv", path, "--kaggle", out)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not out.exists()
