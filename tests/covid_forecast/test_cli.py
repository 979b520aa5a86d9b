from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from apps.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    "command", ["download", "train", "evaluate", "forecast", "predict", "backtest", "lr-find"]
)
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(app, ["covid_forecast", command, "--help"])
    assert result.exit_code == 0, result.output


def test_train_then_forecast(covid_csv: Path, tmp_path: Path) -> None:
    runs = str(tmp_path / "runs")
    tiny = ["--epochs", "2", "--members", "2", "--hidden-size", "4", "--runs-dir", runs]
    trained = runner.invoke(app, ["covid_forecast", "train", "--csv", str(covid_csv), *tiny])
    assert trained.exit_code == 0, trained.output
    assert "in_sample/mape" in trained.output
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


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--method", "baseline"], "--method is for global runs"),
        (["--method", "model"], "--method is for global runs"),
        (["--jhu-dir", "."], "--jhu-dir needs --country"),
        (["--province", "Hubei"], "--province needs --country"),
    ],
)
def test_forecast_refuses_options_a_tutorial_run_does_not_use(
    tiny_run: Path, extra: list[str], fragment: str
) -> None:
    args = ["covid_forecast", "forecast", "--run-dir", str(tiny_run), *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--num-countries", "5"], "--num-countries is for --model global"),
        (["--country", "Italy", "--csv", "x.csv"], "leave out --csv"),
        (["--country", "Italy", "--repair"], "leave out --csv and --repair"),
        (["--model", "nope"], "--model must be tutorial or global"),
    ],
)
def test_train_refuses_options_the_tutorial_model_does_not_use(
    tmp_path: Path, extra: list[str], fragment: str
) -> None:
    args = ["covid_forecast", "train", "--runs-dir", str(tmp_path), *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert not (tmp_path / "covid_forecast").exists()  # refused before any run folder
