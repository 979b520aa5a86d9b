"""--method baseline | auto on a global run, and the verdict of the country's own backtest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from apps.cli import app

runner = CliRunner()
PAGE = str(Path(__file__).parents[4] / "apps" / "covid_forecast" / "demo.py")


def forecast(run_dir: Path, *extra: str) -> object:
    args = ["covid_forecast", "forecast", "--run-dir", str(run_dir), "--country", "Italy"]
    return runner.invoke(app, [*args, *extra, "--out", str(run_dir.parent / "f.csv")])


@pytest.mark.parametrize("method", ["model", "baseline", "auto"])
def test_days_zero_is_refused_by_every_method(backtested_run: Path, method: str) -> None:
    result = forecast(backtested_run, "--method", method, "--days", "0")
    assert result.exit_code == 2, result.output
    assert "--days must be in 1..7 (got 0)" in result.output
    assert "Unexpected" not in result.output


def test_baseline_and_auto_follow_the_backtest(backtested_run: Path) -> None:
    baseline = forecast(backtested_run, "--method", "baseline", "--days", "3")
    assert baseline.exit_code == 0, baseline.output
    assert "Method used: Naive (Italy" in baseline.output  # Italy's best baseline
    auto = forecast(backtested_run, "--method", "auto", "--days", "3")
    assert "beat every baseline" in auto.output
    assert "Method used: global (Italy" in auto.output
    unknown = forecast(backtested_run, "--method", "best")
    assert unknown.exit_code == 2
    assert "--method must be one of model, baseline, auto" in unknown.output


@pytest.fixture
def runs_with_backtest(
    backtested_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    runs = tmp_path / "runs"
    shutil.copytree(backtested_run.parent, runs / "covid_forecast")
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(runs))
    return runs


def test_global_page_method_and_country_backtest(runs_with_backtest: Path) -> None:
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    assert not at.exception
    assert any("beat every baseline" in c.value for c in at.caption)
    at.radio(key="method").set_value("baseline").run()
    assert not at.exception
    assert any("Method used: Naive" in c.value for c in at.caption)
    at.selectbox(key="country").set_value("US").run()
    assert "US" in at.metric[0].label
    assert "not in this run's backtest" in at.info[0].value
