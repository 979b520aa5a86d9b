from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from apps.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    "command", ["download", "train", "evaluate", "forecast", "predict", "lr-find"]
)
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(app, ["covid_forecast", command, "--help"])
    assert result.exit_code == 0, result.output


def test_train_evaluate_forecast(covid_csv: Path, tmp_path: Path) -> None:
    runs = str(tmp_path / "runs")
    tiny = ["--epochs", "2", "--members", "2", "--hidden-size", "4", "--runs-dir", runs]
    trained = runner.invoke(app, ["covid_forecast", "train", "--csv", str(covid_csv), *tiny])
    assert trained.exit_code == 0, trained.output
    assert "in_sample/mape" in trained.output
    evaluated = runner.invoke(
        app, ["covid_forecast", "evaluate", "--days", "2", "--runs-dir", runs]
    )
    assert evaluated.exit_code == 0, evaluated.output
    assert "naive" in evaluated.output
    out = tmp_path / "forecast.csv"
    forecast = ["covid_forecast", "forecast", "--days", "20", "--out", str(out), "--runs-dir", runs]
    forecasted = runner.invoke(app, forecast)
    assert forecasted.exit_code == 0, forecasted.output
    assert "first reaches zero" in forecasted.output
    assert len(out.read_text().splitlines()) == 1 + 29 + 20


def test_bad_csv_exits_2_with_the_fix(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,confirmed\n2020-03-01,5\n2020-03-02,3\n")
    result = runner.invoke(
        app, ["covid_forecast", "train", "--csv", str(bad), "--runs-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "--repair" in result.output
    assert "Traceback" not in result.output


def test_missing_run_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["covid_forecast", "forecast", "--runs-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "refapps covid_forecast train" in result.output


@pytest.mark.parametrize("text", ["", "date,confirmed_num\n"])
def test_empty_and_header_only_csv_exit_2(tmp_path: Path, text: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(text)
    result = runner.invoke(
        app, ["covid_forecast", "train", "--csv", str(bad), "--runs-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "empty" in result.output or "no rows" in result.output
