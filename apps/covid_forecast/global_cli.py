"""The command-line side of the global model: what `train`, `backtest` and `forecast` do.

    refapps covid_forecast train --model global
    refapps covid_forecast backtest
    refapps covid_forecast forecast --country KOR --method auto

`cli.py` keeps the options; these functions turn them into calls and rich tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from common.console import console, dataframe_table, print_run
from common.errors import UserError
from common.runs import read_config, restore_config

from .config import GlobalConfig
from .global_model import GLOBAL_MODEL_NAME

METHODS = ("model", "baseline", "auto")


def is_global_run(run_dir: Path) -> bool:
    from common.checkpoint import read_model_meta

    return read_model_meta(run_dir).get("model") == GLOBAL_MODEL_NAME


def train_command(jhu_dir: Path | None, cfg: GlobalConfig, runs_dir: Path) -> None:
    from .global_run import train_global
    from .jhu import jhu_dir_default

    result = train_global(jhu_dir or jhu_dir_default(), cfg, runs_dir, progress=True)
    title = f"Global model: validation on the last 28 days ({result.train_seconds:.1f} s)"
    print_run(result.metrics, result.run_dir, title)
    console.print("Backtest it against the baselines: refapps covid_forecast backtest")


def backtest_command(run_dir: Path, num_countries: int, extra: list[str]) -> dict[str, Any]:
    from common.checkpoint import read_model_meta

    from .global_run import write_backtest
    from .scores import backtest_report

    if not is_global_run(run_dir):
        raise UserError(
            f"{run_dir} holds the tutorial model; `backtest` is for the global model "
            "(`refapps covid_forecast train --model global`). The tutorial model has `evaluate`."
        )
    cfg = restore_config(GlobalConfig, read_config(run_dir)["model"])
    jhu_dir = Path(read_model_meta(run_dir)["jhu_dir"])
    report = backtest_report(jhu_dir, cfg, num_countries, tuple(extra), progress=True)
    write_backtest(run_dir, report)
    return report


def show_backtest(report: dict[str, Any]) -> None:
    pooled = [r for r in report["rows"] if r["country"] == "all"]
    title = (
        f"Pooled over {report['num_countries']} countries, origins {report['period']} "
        f"({report['seconds']:.0f} s)"
    )
    console.print(dataframe_table(pooled, title=title))
    best = [{"country": c, "best (relMAE, h 1..7)": m} for c, m in report["best"].items()]
    console.print(dataframe_table(best, title="Best method per country"))


def forecast_command(
    run_dir: Path, country: str | None, province: str | None, days: int, method: str
) -> tuple[Any, list[str]]:
    """(ForecastResult, lines to print) for one JHU country with the chosen method."""
    from .baselines import forecast_baselines
    from .global_run import country_daily, forecast_table, load_global, read_backtest, verdict

    if country is None:
        raise UserError("The global model forecasts one JHU country: pass --country (e.g. Italy).")
    if method not in METHODS:
        raise UserError(f"--method must be one of {', '.join(METHODS)} (got {method!r}).")
    predictor = load_global(run_dir)
    lines = []
    if days > predictor.horizon:
        lines.append(f"The global model forecasts {predictor.horizon} days at most (not {days}).")
        days = predictor.horizon
    daily, found = country_daily(Path(predictor.meta["jhu_dir"]), country, province)
    judged = verdict(read_backtest(run_dir), found.country)
    lines += [*found.notes, judged.sentence]
    use = pick_method(method, judged.best, judged.best_baseline)
    if use == "global":
        result = predictor.forecast_daily(daily, days)
    else:
        out = forecast_baselines(daily.to_frame(found.country), days, (use,))[use]
        low, high = (None, None) if out.low is None else (out.low[:, 0], out.high[:, 0])
        result = forecast_table(daily, out.median[:, 0], low, high)
    lines.append(f"Method used: {use} ({found.country}, data to {daily.index[-1].date()}).")
    return result, lines


def pick_method(method: str, best: str | None, best_baseline: str | None) -> str:
    """model -> global; baseline -> the country's best baseline; auto -> the backtest winner.

    Without a backtest for the country, auto keeps the model and baseline means AutoETS
    (the best baseline pooled over the 20 countries in MEASURED.md's reference run).
    """
    if method == "model":
        return "global"
    if method == "auto":
        return best or "global"
    return best_baseline or "AutoETS"


def show_forecast(result: Any, notes: list[str], out: Path, png: Path, as_json: bool) -> None:
    """Write the table and chart, then print the first days, the notes and the zero day."""
    import json

    import typer

    from common.checkpoint import atomic_write
    from common.plots import save_figure

    from .predict import plot_forecast

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
