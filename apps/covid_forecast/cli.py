"""Front-end: the command line, `refapps covid_forecast download | train | evaluate | forecast`.

    refapps covid_forecast train
    refapps covid_forecast evaluate --days 10
    refapps covid_forecast forecast --days 60 --out forecast.csv
    refapps covid_forecast train --model global          # one model for 50 JHU countries
    refapps covid_forecast backtest                       # global model vs statsforecast
    refapps covid_forecast forecast --country "South Korea" --method auto

Each command is a thin adapter: options -> config dataclasses -> a function -> a rich table.
The global model's side is jhu/commands.py; options are imported from extras/ only where
they are set. Heavy imports happen inside the commands to keep `--help` fast. An option a
command does not use is refused with one line, never ignored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from common.cli import (
    JsonOpt,
    RunDirOpt,
    RunsDirOpt,
    given_options,
    handle_user_errors,
    refuse_ignored_resume_options,
    with_train_options,
)
from common.commands import add_lr_find_command
from common.config import TrainConfig
from common.errors import UserError

from .commands import (
    data_config,
    find_lr,
    read_counts,
    show_forecast,
    train_tutorial,
    tutorial_forecast,
)
from .config import APP, TRAIN_DEFAULTS, DataConfig, ModelConfig
from .jhu.config import GlobalConfig

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
        str, typer.Option(help="tutorial: the LSTM on one table; global: one model, JHU countries.")
    ] = "tutorial",
    num_countries: Annotated[
        int, typer.Option(help="Global model: train on this many top JHU countries.")
    ] = GLOBAL_DEFAULTS.num_countries,
    window: Annotated[int, typer.Option(help="Days the LSTM reads.")] = DATA_DEFAULTS.window,
    hidden_size: Annotated[
        int, typer.Option(help="Hidden units (LSTM; global model: 256 unless given).")
    ] = MODEL_DEFAULTS.hidden_size,
    num_layers: Annotated[int, typer.Option(help="LSTM layers.")] = MODEL_DEFAULTS.num_layers,
    members: Annotated[
        int, typer.Option(help="Ensemble members, seeds (global model: 3 unless given).")
    ] = MODEL_DEFAULTS.num_members,
) -> None:
    """Train the tutorial's LSTM ensemble (one table) or the global model (JHU countries)."""
    if model == "global":
        from .jhu.commands import global_config, train_command

        options = vars(train_cfg) | {"hidden_size": hidden_size, "members": members}
        cfg = global_config(options | {"num_countries": num_countries}, given_options())
        train_command(jhu_dir, cfg, train_cfg.runs_dir, train_cfg.device)
        return
    if model != "tutorial":
        raise UserError(f"--model must be tutorial or global (got {model!r}).")
    refuse_ignored_resume_options(train_cfg.resume)
    if "num_countries" in given_options():
        raise UserError("--num-countries is for --model global; the tutorial model reads a table.")
    data_cfg = data_config(csv, jhu_dir, country, repair, window, province)
    model_cfg = ModelConfig(hidden_size=hidden_size, num_layers=num_layers, num_members=members)
    train_tutorial(data_cfg, model_cfg, train_cfg)


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
    from common.lookup import resolve_run
    from common.runs import read_config, restore_config

    from .jhu.predict import is_global_run

    if not 1 <= days <= 365:
        raise UserError(f"--days must be in 1..365 (got {days})")
    run = resolve_run(run_dir, runs_dir, APP)
    if is_global_run(run):
        raise UserError(
            f"{run} holds the global model; `evaluate` backtests the tutorial model. "
            "Score a global run with: refapps covid_forecast backtest"
        )
    from .extras.backtest import evaluate as run_evaluation

    cumulative, _ = read_counts(restore_config(DataConfig, read_config(run)["data"]))
    result = run_evaluation(run, days, cumulative)
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
        str | None,
        typer.Option(help="Global runs: model (default), baseline (the country's best) or auto."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the table to this CSV.")] = None,
    png: Annotated[Path | None, typer.Option(help="Save the chart to this PNG.")] = None,
    runs_dir: RunsDirOpt = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """Recursive forecast with an ensemble band, and when new confirmed cases reach zero."""
    from common.lookup import resolve_run

    from .jhu.predict import is_global_run

    run = resolve_run(run_dir, runs_dir, APP)
    if is_global_run(run):
        from .jhu.commands import forecast_command

        if csv is not None or repair:
            raise UserError("A global run reads JHU files: leave out --csv and --repair.")
        result, notes = forecast_command(run, country, province, days, method or "model", jhu_dir)
    else:
        if method is not None:
            raise UserError(
                "--method is for global runs (train --model global); "
                "a tutorial run forecasts with its LSTM ensemble."
            )
        result, notes = tutorial_forecast(run, days, csv, jhu_dir, country, province, repair)
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
    from common.lookup import resolve_run

    from .jhu.commands import backtest_command, show_backtest

    if not 1 <= countries <= 200:
        raise UserError(f"--countries must be in 1..200 (got {countries})")
    report = backtest_command(resolve_run(run_dir, runs_dir, APP), countries, country or [])
    if as_json:
        typer.echo(json.dumps(report))
        return
    show_backtest(report)


add_lr_find_command(app, find_lr, TRAIN_DEFAULTS)


if __name__ == "__main__":
    app()
