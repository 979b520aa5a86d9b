"""Step 6, the command line: `refapps covid_forecast download | train | evaluate | forecast`.

    refapps covid_forecast train
    refapps covid_forecast evaluate --days 10
    refapps covid_forecast forecast --days 60 --out forecast.csv
    refapps covid_forecast train --model global          # one model for 50 JHU countries
    refapps covid_forecast backtest                       # global model vs statsforecast
    refapps covid_forecast forecast --country "South Korea" --method auto

Each command is a thin adapter: options -> config dataclasses -> a function -> a rich table.
Heavy imports (torch, the app's modules) happen inside the commands to keep `--help` fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from common.cli import JsonOpt, RunDirOpt, RunsDirOpt, handle_user_errors, with_train_options
from common.commands import add_lr_find_command
from common.config import TrainConfig

from .config import APP, TRAIN_DEFAULTS, DataConfig, GlobalConfig, ModelConfig

app = typer.Typer(
    help="COVID-19 forecasting: the tutorial's LSTM, or one global model for JHU countries.",
    no_args_is_help=True,
)
DATA_DEFAULTS, MODEL_DEFAULTS, GLOBAL_DEFAULTS = DataConfig(), ModelConfig(), GlobalConfig()
CsvOpt = Annotated[
    Path | None,
    typer.Option(help="Cumulative counts: a date column + count columns (default: China data)."),
]
JhuDirOpt = Annotated[
    Path | None,
    typer.Option(help="Folder with JHU time_series_covid19_*_global.csv (REFAPPS_DATA/covid/jhu)."),
]
CountryOpt = Annotated[
    str | None,
    typer.Option(help="JHU country: 'Italy', 'South Korea', 'USA', 'UK', ISO codes like KOR."),
]
ProvinceOpt = Annotated[
    str | None, typer.Option(help="One JHU province/state of --country instead of the sum.")
]
RepairOpt = Annotated[
    bool,
    typer.Option("--repair", help="Running max of cumulative counts; interpolate missing days."),
]


def data_config(
    csv: Path | None,
    jhu_dir: Path | None,
    country: str | None,
    repair: bool,
    window: int,
    province: str | None = None,
) -> DataConfig:
    return DataConfig(
        csv=csv, jhu_dir=jhu_dir, country=country, province=province, repair=repair, window=window
    )


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
    province: ProvinceOpt = None,
    repair: RepairOpt = False,
    model: Annotated[
        str,
        typer.Option(
            help="tutorial: the tutorial's LSTM on one table (China by default); "
            "global: one model for the JHU countries with the most cases."
        ),
    ] = "tutorial",
    num_countries: Annotated[
        int, typer.Option(help="Global model: train on this many top JHU countries.")
    ] = GLOBAL_DEFAULTS.num_countries,
    window: Annotated[int, typer.Option(help="Days the LSTM reads.")] = DATA_DEFAULTS.window,
    hidden_size: Annotated[
        int, typer.Option(help="LSTM hidden units.")
    ] = MODEL_DEFAULTS.hidden_size,
    num_layers: Annotated[int, typer.Option(help="LSTM layers.")] = MODEL_DEFAULTS.num_layers,
    members: Annotated[
        int, typer.Option(help="Ensemble members (seeds).")
    ] = MODEL_DEFAULTS.num_members,
) -> None:
    """Train the tutorial's LSTM ensemble (one table) or the global model (JHU countries)."""
    from common.console import console, print_run
    from common.errors import UserError

    from .train import train as run_training

    if model == "global":
        from .global_cli import train_command

        cfg = GlobalConfig(num_countries=num_countries, seed=train_cfg.seed)
        train_command(jhu_dir, cfg, train_cfg.runs_dir)
        return
    if model != "tutorial":
        raise UserError(f"--model must be tutorial or global (got {model!r}).")
    data_cfg = data_config(csv, jhu_dir, country, repair, window, province)
    model_cfg = ModelConfig(hidden_size=hidden_size, num_layers=num_layers, num_members=members)
    result = run_training(data_cfg, model_cfg, train_cfg)
    if data_cfg.country is not None:  # e.g. a recovered series JHU stopped reporting
        from .jhu import read_country

        for note in read_country(data_cfg.jhu_dir, data_cfg.country, data_cfg.province).notes:
            console.print(note)
    title = f"In-sample metrics ({result.train_seconds:.1f} s training; see `evaluate`)"
    print_run(result.metrics, result.run_dir, title)


@app.command()
@handle_user_errors
def evaluate(
    run_dir: RunDirOpt = None,
    days: Annotated[int, typer.Option(help="Backtest origins: the last N days.")] = 10,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Rolling-origin backtest (retrained per origin): LSTM vs baselines at 1 and 7 days."""
    from common.console import console, dataframe_table
    from common.errors import UserError
    from common.lookup import resolve_run

    from .backtest import evaluate as run_evaluation

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
    run_dir: RunDirOpt = None,
    days: Annotated[int, typer.Option(help="Days to forecast.")] = 60,
    csv: CsvOpt = None,
    jhu_dir: JhuDirOpt = None,
    country: CountryOpt = None,
    province: ProvinceOpt = None,
    repair: RepairOpt = False,
    method: Annotated[
        str,
        typer.Option(help="Global runs: model, baseline (the country's best) or auto."),
    ] = "model",
    out: Annotated[Path | None, typer.Option(help="Write the table to this CSV.")] = None,
    png: Annotated[Path | None, typer.Option(help="Save the chart to this PNG.")] = None,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Recursive forecast with an ensemble band, and when new confirmed cases reach zero."""
    from common.lookup import resolve_run
    from common.runs import read_config, restore_config

    from .data import load_series
    from .global_cli import forecast_command, is_global_run, show_forecast
    from .predict import load_predictor

    run = resolve_run(run_dir, runs_dir, APP)
    notes: list[str] = []
    if is_global_run(run):
        result, notes = forecast_command(run, country, province, days, method)
    else:
        predictor = load_predictor(run)
        if csv is None and country is None:
            data_cfg = restore_config(DataConfig, read_config(run)["data"])
        else:
            data_cfg = data_config(csv, jhu_dir, country, repair, predictor.window, province)
        result = predictor.forecast(load_series(data_cfg), days)
    show_forecast(result, notes, out or run / "forecast.csv", png or run / "forecast.png", as_json)


app.command("predict", help="Alias of `forecast`.")(forecast)


@app.command()
@handle_user_errors
def backtest(
    run_dir: RunDirOpt = None,
    countries: Annotated[
        int, typer.Option(help="Score the countries with the most cases at the end.")
    ] = 20,
    country: Annotated[
        list[str] | None, typer.Option(help="Also score this country (repeatable).")
    ] = None,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Global model vs statsforecast baselines: origins every 7 days over the last 26 weeks."""
    from common.errors import UserError
    from common.lookup import resolve_run

    from .global_cli import backtest_command, show_backtest

    if not 1 <= countries <= 200:
        raise UserError(f"--countries must be in 1..200 (got {countries})")
    report = backtest_command(resolve_run(run_dir, runs_dir, APP), countries, country or [])
    if as_json:
        typer.echo(json.dumps(report))
        return
    show_backtest(report)


def find_lr(train_cfg: TrainConfig) -> Any:
    """The LR range test on this app's default data and model (`refapps covid_forecast lr-find`)."""
    from . import train

    return train.find_lr(DataConfig(), ModelConfig(), train_cfg)


add_lr_find_command(app, find_lr, TRAIN_DEFAULTS)


if __name__ == "__main__":
    app()
