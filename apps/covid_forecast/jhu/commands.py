"""Front-end: the command line of the global model, what `train --model global`, `backtest` and
`forecast` on a global run do (`../cli.py` keeps the options and calls these).

    refapps covid_forecast train --model global --epochs 30 --members 5
    refapps covid_forecast backtest
    refapps covid_forecast forecast --country KOR --method auto

Every option a command does not use is refused with one line, never ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from common.console import console, dataframe_table, print_run
from common.errors import UserError
from common.runs import read_config, restore_config

from .config import BACKTEST_FILE, GlobalConfig

HONOURED = {  # train option -> GlobalConfig field
    "epochs": "epochs",
    "lr": "lr",
    "batch_size": "batch_size",
    "weight_decay": "weight_decay",
    "members": "num_members",
    "hidden_size": "hidden_size",
    "num_countries": "num_countries",
    "seed": "seed",
}
ALSO_USED = {"model", "device", "runs_dir", "jhu_dir"}


def dashed(names: list[str] | set[str]) -> str:
    return ", ".join(f"--{name.replace('_', '-')}" for name in sorted(names))


def global_config(options: dict[str, Any], given: set[str]) -> GlobalConfig:
    """The options typed on the command line -> GlobalConfig, or a refusal naming the others."""
    unused = given - HONOURED.keys() - ALSO_USED
    if unused:
        raise UserError(
            f"train --model global does not use {dashed(unused)}; it trains from scratch on "
            f"the JHU files and takes {dashed(HONOURED.keys() | ALSO_USED - {'model'})}."
        )
    chosen = {HONOURED[name]: options[name] for name in given & HONOURED.keys()}
    return GlobalConfig(**({"seed": options["seed"]} | chosen))


def train_command(jhu_dir: Path | None, cfg: GlobalConfig, runs_dir: Path, device: str) -> None:
    from common.device import pick_device

    from .data import jhu_dir_default
    from .train import VAL_DAYS, train_global

    folder = jhu_dir or jhu_dir_default()
    result = train_global(folder, cfg, runs_dir, progress=True, device=pick_device(device))
    title = f"Global model: validation on the last {VAL_DAYS} days ({result.train_seconds:.1f} s)"
    print_run(result.metrics, result.run_dir, title)
    console.print("Backtest it against the baselines: refapps covid_forecast backtest")


def backtest_command(run_dir: Path, num_countries: int, extra: list[str]) -> dict[str, Any]:
    from common.checkpoint import read_model_meta

    from .extras.report import backtest_report, write_backtest
    from .predict import is_global_run

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
    run_dir: Path,
    country: str | None,
    province: str | None,
    days: int,
    method: str = "model",
    jhu_dir: Path | None = None,
) -> tuple[Any, list[str]]:
    """(ForecastResult, lines to print) for one JHU country with the chosen method."""
    from .data import country_daily
    from .predict import load_global

    if country is None:
        raise UserError("The global model forecasts one JHU country: pass --country (e.g. Italy).")
    predictor = load_global(run_dir)
    if days < 1:
        raise UserError(f"--days must be in 1..{predictor.horizon} (got {days}).")
    lines = []
    if days > predictor.horizon:
        lines.append(f"The global model forecasts {predictor.horizon} days at most (not {days}).")
        days = predictor.horizon
    folder = Path(jhu_dir).expanduser().resolve() if jhu_dir else Path(predictor.meta["jhu_dir"])
    daily, found = country_daily(folder, country, province)
    lines += found.notes
    if method == "model" and not (run_dir / BACKTEST_FILE).is_file():
        result = predictor.forecast_daily(daily, days)
        lines += ["No backtest in this run yet: refapps covid_forecast backtest"]
        use = "global"
    else:
        from .extras.methods import METHODS, forecast_with, pick_method, verdict
        from .extras.report import read_backtest

        if method not in METHODS:
            raise UserError(f"--method must be one of {', '.join(METHODS)} (got {method!r}).")
        judged = verdict(read_backtest(run_dir), found.country)
        use = pick_method(method, judged)
        result = forecast_with(use, predictor, daily, days)
        lines.append(judged.sentence)
    lines.append(f"Method used: {use} ({found.country}, data to {daily.index[-1].date()}).")
    return result, lines
