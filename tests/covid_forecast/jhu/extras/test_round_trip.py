"""The global model's command-line round trip: train, backtest, forecast from another folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from apps.cli import app

from ...conftest import growing_jhu

runner = CliRunner()


@pytest.mark.slow  # trains the default global model and runs every baseline: ~30 s
def test_global_train_backtest_forecast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jhu = growing_jhu(tmp_path / "data" / "covid" / "jhu", num_days=90)
    runs = ["--runs-dir", str(tmp_path / "runs")]
    monkeypatch.chdir(tmp_path)
    trained = runner.invoke(
        app, ["covid_forecast", "train", "--model", "global", "--jhu-dir", "data/covid/jhu", *runs]
    )
    assert trained.exit_code == 0, trained.output
    assert "val/smape" in trained.output
    (run_dir,) = (tmp_path / "runs" / "covid_forecast").glob("2*")
    history = (run_dir / "history.csv").read_text().splitlines()
    assert history[0].startswith("epoch,train/loss")
    assert len(history) == 1 + 20
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


@pytest.mark.slow  # every statsforecast baseline at three origins
def test_jhu_bench_rows_name_metric_method_period_and_device(tmp_path: Path) -> None:
    from apps.covid_forecast.jhu.bench import jhu_rows
    from common.device import pick_device

    growing_jhu(tmp_path / "data" / "covid" / "jhu", num_days=90)  # REFAPPS_DATA is tmp/data
    rows = jhu_rows(quick=True)
    metrics = {r["metric"] for r in rows}
    assert metrics == {
        "jhu_h1_7_smape",
        "jhu_h1_7_relmae",
        "jhu_h1_14_smape",
        "jhu_h1_14_relmae",
        "jhu_band_coverage",
    }
    models = {r["model"]: r["kind"] for r in rows}
    assert models["global"] == "model"
    assert models["global_only"] == "model"  # the network alone, beside the blended default
    assert models["AutoETS"] == "baseline"
    assert len(models) == 8
    assert {r["device"] for r in rows} == {str(pick_device("auto"))}
    assert all(r["num_countries"] == 3 and ".." in r["period"] for r in rows)
