"""The global model's commands: every option honoured or refused, never ignored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apps.cli import app

from ..conftest import growing_jhu

runner = CliRunner()


@pytest.mark.parametrize(
    "extra",
    [
        ["--resume", "."],
        ["--csv", "x.csv"],
        ["--country", "Italy"],
        ["--window", "10"],
        ["--num-layers", "2"],
        ["--loop", "script"],
        ["--dry-run"],
        ["--max-samples", "5"],
        ["--patience", "3"],
        ["--repair"],
    ],
)
def test_global_train_refuses_options_it_does_not_use(tmp_path: Path, extra: list[str]) -> None:
    args = ["covid_forecast", "train", "--model", "global", "--runs-dir", str(tmp_path), *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert f"does not use {extra[0]}" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "covid_forecast").exists()


def test_global_train_honours_epochs_members_and_size(tmp_path: Path) -> None:
    jhu = growing_jhu(tmp_path / "jhu", num_days=90)
    options = ["--epochs", "2", "--members", "2", "--hidden-size", "8", "--lr", "0.002"]
    options += ["--batch-size", "32", "--weight-decay", "0.001", "--num-countries", "3"]
    args = ["covid_forecast", "train", "--model", "global", "--jhu-dir", str(jhu)]
    result = runner.invoke(app, [*args, *options, "--device", "cpu", "--runs-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "covid_forecast").glob("2*")
    saved = json.loads((run_dir / "config.json").read_text())["model"]
    expected = {"epochs": 2, "num_members": 2, "hidden_size": 8, "lr": 0.002, "batch_size": 32}
    assert expected.items() <= saved.items()
    assert saved["weight_decay"] == 0.001
    assert len(json.loads((run_dir / "model.json").read_text())["countries"]) == 3
    assert len((run_dir / "history.csv").read_text().splitlines()) == 1 + 2


def test_forecast_on_a_global_run(tiny_global_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    args = ["covid_forecast", "forecast", "--run-dir", str(tiny_global_run), "--country", "KOR"]
    result = runner.invoke(app, [*args, "--days", "30", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "forecasts 7 days at most" in result.output
    assert "No backtest in this run yet" in result.output
    assert "Method used: global (Korea, South" in result.output
    assert len(out.read_text().splitlines()) == 1 + 89 + 7


def test_forecast_on_a_global_run_honours_jhu_dir(tiny_global_run: Path, tmp_path: Path) -> None:
    newer = growing_jhu(tmp_path / "newer", num_days=100)  # ten days more than the run saw
    out = tmp_path / "f.csv"
    args = ["covid_forecast", "forecast", "--run-dir", str(tiny_global_run), "--country", "US"]
    result = runner.invoke(app, [*args, "--jhu-dir", str(newer), "--days", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 1 + 99 + 3


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--country", "Italy", "--days", "0"], "--days must be in 1..7 (got 0)"),
        (["--country", "Italy", "--csv", "x.csv"], "leave out --csv and --repair"),
        (["--country", "Italy", "--repair"], "leave out --csv and --repair"),
        ([], "pass --country"),
    ],
)
def test_forecast_on_a_global_run_refuses(
    tiny_global_run: Path, extra: list[str], fragment: str
) -> None:
    result = runner.invoke(
        app, ["covid_forecast", "forecast", "--run-dir", str(tiny_global_run), *extra]
    )
    assert result.exit_code == 2, result.output
    assert fragment in result.output


def test_evaluate_on_a_global_run_points_to_backtest(tiny_global_run: Path) -> None:
    result = runner.invoke(app, ["covid_forecast", "evaluate", "--run-dir", str(tiny_global_run)])
    assert result.exit_code == 2, result.output
    assert "refapps covid_forecast backtest" in result.output
    assert "--jhu-dir needs --country" not in result.output
