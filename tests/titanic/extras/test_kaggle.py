"""`predict --kaggle`: exactly `PassengerId,Survived`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
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
    lines = out.read_text().splitlines()
    assert lines[0] == "PassengerId,Survived"
    assert len(lines) == 21
    ids = [int(line.split(",")[0]) for line in lines[1:]]
    assert ids == pd.read_csv(source)["PassengerId"].tolist()
    assert {line.split(",")[1] for line in lines[1:]} <= {"0", "1"}


def test_predict_kaggle_without_passenger_id_is_a_user_error(
    trained_run: Path, test_csv: Path, tmp_path: Path
) -> None:
    path = tmp_path / "no_id.csv"
    pd.read_csv(test_csv).drop(columns=["PassengerId"]).to_csv(path, index=False)
    result = run("predict", "--run-dir", trained_run, "--csv", path, "--kaggle", tmp_path / "s.csv")
    assert result.exit_code == 2
    assert "PassengerId" in result.output
