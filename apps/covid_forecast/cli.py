"""Step 6, the command line: `refapps covid_forecast download | train | evaluate | forecast`.

    refapps covid_forecast train
    refapps covid_forecast evaluate --days 10
    refapps covid_forecast forecast --days 60 --out forecast.csv
    refapps covid_forecast train --jhu-dir csse_covid_19_time_series --country Italy --repair

Each command is a thin adapter: options -> config dataclasses -> a function -> a rich table.
Heavy imports (torch, the app's modules) happen inside the commands to keep `--help` fast.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer

from common.cli import JsonOpt, RunDirArg, RunsDirOpt, handle_user_errors, with_train_options
from common.config import TrainConfig

from .config import APP, TRAIN_DEFAULTS, DataConfig, ModelConfig

app = typer.Typer(help="COVID-19 forecasting: LSTM over daily new cases.", no_args_is_help=True)
DATA_DEFAULTS, MODEL_DEFAULTS = DataConfig(), ModelConfig()
CsvOpt = Annotated[
    Path | None,
    typer.Option(help="Cumulative counts: a date column + count columns (default: China data)."),
]
JhuDirOpt = Annotated[
    Path | None, typer.Option(help="Folder with JHU CSSE time_series_covid19_*_global.csv.")
]
CountryOpt = Annotated[str | None, typer.Option(help="JHU Country/Region (provinces summed).")]
RepairOpt = Annotated[
    bool,
    typer.Option("--repair", help="Running max of cumulative counts; interpolate missing days."),
]


def data_config(
    csv: Path | None, jhu_dir: Path | None, country: str | None, repair: bool, window: int
) -> DataConfig:
    return DataConfig(csv=csv, jhu_dir=jhu_dir, country=country, repair=repair, window=window)


@app.command()
@handle_user_errors
def download() -> None:
    """Download and verify covid-19.csv (nothing to do when present)."""
    from .data import download as fetch

    typer.echo(f"ok  {fetch()}")


@app.command()
@handle_user_errors
@with_train_options(TRAIN_DEFAULTS)
def train(
    train_cfg: TrainConfig,
    csv: CsvOpt = None,
    jhu_dir: JhuDirOpt = None,
    country: CountryOpt = None,
    repair: RepairOpt = False,
    window: Annotated[int, typer.Option(help="Days the LSTM reads.")] = DATA_DEFAULTS.window,
    hidden_size: Annotated[
        int, typer.Option(help="LSTM hidden units.")
    ] = MODEL_DEFAULTS.hidden_size,
    num_layers: Annotated[int, typer.Option(help="LSTM layers.")] = MODEL_DEFAULTS.num_layers,
    members: Annotated[
        int, typer.Option(help="Ensemble members (seeds).")
    ] = MODEL_DEFAULTS.num_members,
) -> None:
    """Train the LSTM ensemble on every day of the data; prints in-sample metrics."""
    from common.console import console, print_metrics

    from .train import train as run_training

    data_cfg = data_config(csv, jhu_dir, country, repair, window)
    model_cfg = ModelConfig(hidden_size=hidden_size, num_layers=num_layers, num_members=members)
    result = run_training(data_cfg, model_cfg, train_cfg)
    title = f"In-sample metrics ({result.train_seconds:.1f} s training; see `evaluate`)"
    print_metrics(result.metrics, title=title)
    console.print(f"Run folder: {result.run_dir}")


@app.command()
@handle_user_errors
def evaluate(
    run_dir: RunDirArg = None,
    days: Annotated[int, typer.Option(help="Backtest origins: the last N days.")] = 10,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Rolling-origin backtest (retrained per origin): LSTM vs baselines at 1 and 7 days."""
    from common.console import console, dataframe_table
    from common.errors import UserError
    from common.runs import resolve_run

    from .train import evaluate as run_evaluation

    if not 1 <= days <= 365:
        raise UserError(f"--days must be in 1..365 (got {days})")
    run = resolve_run(run_dir, runs_dir, APP)
    result = run_evaluation(run, days)
    if as_json:
        typer.echo(json.dumps(result))
        return
    console.print(dataframe_table(result["rows"], title=f"Backtest over the last {days} days"))
    console.print(f"Plot: {result['plot']}")


@app.command()
@handle_user_errors
def forecast(
    run_dir: RunDirArg = None,
    days: Annotated[int, typer.Option(help="Days to forecast.")] = 60,
    csv: CsvOpt = None,
    jhu_dir: JhuDirOpt = None,
    country: CountryOpt = None,
    repair: RepairOpt = False,
    out: Annotated[Path | None, typer.Option(help="Write the table to this CSV.")] = None,
    png: Annotated[Path | None, typer.Option(help="Save the chart to this PNG.")] = None,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Recursive forecast with an ensemble band, and when new confirmed cases reach zero."""
    from common.checkpoint import atomic_write
    from common.console import console, dataframe_table
    from common.plots import save_figure
    from common.runs import read_config, resolve_run, restore_config

    from .data import load_series
    from .predict import load_predictor, plot_forecast

    run = resolve_run(run_dir, runs_dir, APP)
    predictor = load_predictor(run)
    if csv is None and jhu_dir is None:
        data_cfg = restore_config(DataConfig, read_config(run)["data"])
    else:
        data_cfg = data_config(csv, jhu_dir, country, repair, predictor.window)
    result = predictor.forecast(load_series(data_cfg), days)
    out = out or run / "forecast.csv"
    atomic_write(out, lambda tmp: result.table.to_csv(tmp, index=False))
    save_figure(plot_forecast(result), png or run / "forecast.png")
    zero = "not within the forecast" if result.zero_date is None else result.zero_date.date()
    if as_json:
        future = result.table[result.table["kind"] == "forecast"]
        payload = {"zero_date": str(zero), "forecast": future.to_dict("records")}
        typer.echo(json.dumps(payload, default=str))
        return
    future = result.table[result.table["kind"] == "forecast"].head(14)
    shown = future[["date", *result.series]].assign(date=future["date"].dt.date.astype(str))
    console.print(dataframe_table(shown.to_dict("records"), title="First 14 forecast days"))
    console.print(f"New {result.series[0]} first reaches zero: {zero}")
    console.print(f"Wrote {out} and {png or run / 'forecast.png'}")


app.command("predict", help="Alias of `forecast`.")(forecast)


@app.command("lr-find")
@handle_user_errors
def lr_find(
    runs_dir: RunsDirOpt = Path("runs"),
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
) -> None:
    """Sweep the learning rate, plot loss against it, and suggest one."""
    from common.console import console

    from .train import find_lr

    train_cfg = dataclasses.replace(TRAIN_DEFAULTS, seed=seed, runs_dir=runs_dir)
    result = find_lr(DataConfig(), ModelConfig(), train_cfg)
    console.print(f"Suggested learning rate: {result.suggested_lr:.2e}  (plot: {result.plot_path})")


if __name__ == "__main__":
    app()
