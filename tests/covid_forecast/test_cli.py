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


@pytest.mark.slow  # trains the default global model and runs every baseline: ~30 s
def test_global_train_backtest_forecast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import growing_jhu

    jhu = growing_jhu(tmp_path / "data" / "covid" / "jhu", num_days=90)
    runs = ["--runs-dir", str(tmp_path / "runs")]
    monkeypatch.chdir(tmp_path)
    trained = runner.invoke(
        app, ["covid_forecast", "train", "--model", "global", "--jhu-dir", "data/covid/jhu", *runs]
    )
    assert trained.exit_code == 0, trained.output
    assert "val/smape" in trained.output
    monkeypatch.chdir(jhu)  # the run stored an absolute path: any folder works
    tested = runner.invoke(app, ["covid_forecast", "backtest", "--countries", "2", *runs])
    assert tested.exit_code == 0, tested.output
    assert "AutoETS" in tested.output
    out = tmp_path / "f.csv"
    args = ["covid_forecast", "forecast", "--country", "South Korea", "--method", "auto"]
    forecasted = runner.invoke(app, [*args, "--days", "7", "--out", str(out), *runs])
    assert forecasted.exit_code == 0, forecasted.output
    assert "Method used" in forecasted.output
    assert "backtest" in forecasted.output  # says whether the model won on Korea's backtest
    assert len(out.read_text().splitlines()) == 1 + 89 + 7
    unknown = runner.invoke(app, ["covid_forecast", "forecast", "--country", "Itly", *runs])
    assert unknown.exit_code == 2
    assert "Did you mean Italy" in unknown.output


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
