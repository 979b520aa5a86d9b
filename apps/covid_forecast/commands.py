"""Front-end: what the CLI's commands do for the tutorial model, and what both models share.

    refapps covid_forecast forecast --days 60 --out forecast.csv
    refapps covid_forecast forecast --country Italy --days 30     # the tutorial model on JHU

`cli.py` keeps the options; these turn them into calls: the counts to read (a table, or a
JHU country through extras/jhu_country.py), the tutorial run's forecast, and the table,
chart and lines every forecast prints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from common.config import TrainConfig
from common.errors import UserError

from .config import APP, DataConfig, ModelConfig


def data_config(
    csv: Path | None,
    jhu_dir: Path | None,
    country: str | None,
    repair: bool,
    window: int,
    province: str | None = None,
) -> DataConfig:
    if country is not None and (csv is not None or repair):
        raise UserError("--country reads JHU files: leave out --csv and --repair (tables only).")
    return DataConfig(
        csv=csv, jhu_dir=jhu_dir, country=country, province=province, repair=repair, window=window
    )


def read_counts(data_cfg: DataConfig, series: list[str] | None = None) -> tuple[Any, list[str]]:
    """(cumulative counts, notes): the table, or a JHU country through extras/jhu_country.py."""
    from .data import load_series

    if data_cfg.country is None:
        return load_series(data_cfg), []
    from .extras.jhu_country import read_country_counts

    found = read_country_counts(data_cfg, series)
    return found.cumulative, found.notes


def train_tutorial(data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig) -> None:
    """Train the tutorial model (on the run's own configs under --resume); print the metrics."""
    from common.console import console, print_run
    from common.runs import run_configs
    from common.training.styles import loop_named

    from .train import train

    data_cfg, model_cfg, train_cfg = run_configs(data_cfg, model_cfg, train_cfg)
    cumulative, notes = read_counts(data_cfg)
    loop = loop_named(train_cfg.loop)
    result = train(data_cfg, model_cfg, train_cfg, cumulative=cumulative, loop=loop)
    for note in notes:  # e.g. a recovered series JHU stopped reporting
        console.print(note)
    title = f"In-sample metrics ({result.train_seconds:.1f} s training; see `evaluate`)"
    print_run(result.metrics, result.run_dir, title)


def tutorial_forecast(
    run: Path,
    days: int,
    csv: Path | None,
    jhu_dir: Path | None,
    country: str | None,
    province: str | None,
    repair: bool,
) -> tuple[Any, list[str]]:
    """The run's own data, with the options given on top (a new table or country replaces it)."""
    from common.runs import read_config, restore_config

    from .predict import load_predictor

    predictor = load_predictor(run)
    if csv is not None or country is not None:
        data_cfg = data_config(csv, jhu_dir, country, repair, predictor.window, province)
    else:
        given = {"jhu_dir": jhu_dir, "province": province, "repair": repair or None}
        overrides = {k: v for k, v in given.items() if v is not None}
        data_cfg = restore_config(DataConfig, read_config(run)["data"], **overrides)
    cumulative, notes = read_counts(data_cfg, predictor.series)
    return predictor.forecast(cumulative, days), notes


def show_forecast(result: Any, notes: list[str], out: Path, png: Path, as_json: bool) -> None:
    """Write the table and chart, then print the first days, the notes and the zero day."""
    from common.console import console, dataframe_table
    from common.files import atomic_write
    from common.plots import save_figure

    from .forecasts import plot_forecast

    atomic_write(out, lambda tmp: result.table.to_csv(tmp, index=False))
    save_figure(plot_forecast(result), png)
    zero = "not within the forecast" if result.zero_date is None else result.zero_date.date()
    future = result.table[result.table["kind"] == "forecast"]
    if as_json:
        payload = {"zero_date": str(zero), "notes": notes, "forecast": future.to_dict("records")}
        typer.echo(json.dumps(payload, default=str))
        return
    shown = future.head(14)
    shown = shown[["date", *result.series]].assign(date=shown["date"].dt.date.astype(str))
    console.print(dataframe_table(shown.to_dict("records"), title="First 14 forecast days"))
    for line in notes:
        console.print(line)
    console.print(f"New {result.series[0]} first reaches zero: {zero}")
    console.print(f"Wrote {out} and {png}")


def find_lr(train_cfg: TrainConfig) -> Any:
    """The LR range test on the default data and model (`refapps covid_forecast lr-find`)."""
    import torch

    from common import lr_find
    from common.device import pick_device, seed_everything

    from .data import daily_increments, load_series, make_loaders
    from .model import build_model, model_args
    from .train import make_loss

    data_cfg, model_cfg = DataConfig(), ModelConfig()
    seed_everything(train_cfg.seed)
    loaders = make_loaders(daily_increments(load_series(data_cfg)), data_cfg.window)
    model = build_model(model_args(model_cfg, len(loaders.series), loaders.scaler))
    optimizer = torch.optim.Adam(model.parameters(), lr=train_cfg.lr)
    device = pick_device(train_cfg.device)
    plot_path = Path(train_cfg.runs_dir) / APP / "lr_find.png"
    return lr_find.find_lr(model, make_loss(), optimizer, loaders.train, device, plot_path, 0.3)
