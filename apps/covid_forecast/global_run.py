"""Steps 3-5 for the global model: a run folder, its forecast for any JHU country, its backtest.

    refapps covid_forecast train --model global        # 50 countries, ~1 min on 2 cores
    refapps covid_forecast backtest                    # global model vs statsforecast baselines
    refapps covid_forecast forecast --country "South Korea" --method auto

`train_global` fits twice: once with the last `VAL_DAYS` held out, so history.csv shows the
training loss next to the validation sMAPE it should track, then on every day for the model
that forecasts. The run stores the JHU folder as an absolute path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from common.checkpoint import atomic_write, load_model, read_json, save_model, write_json
from common.errors import UserError
from common.runs import finish_run, start_run

from .baselines import MethodForecast, forecast_baselines
from .combine import ETS, blend
from .config import APP, GlobalConfig
from .global_model import GLOBAL_MODEL_NAME, build_global_model, forecast_quantiles
from .global_train import fit_global, global_model_args
from .jhu import country_matrix, read_country, top_countries
from .jhu_backtest import MODEL_METHOD, daily_from_cumulative
from .predict import ForecastResult, first_zero_date
from .train import RunResult

VAL_DAYS = 28
BACKTEST_FILE = "jhu_backtest.json"
SERIES = "confirmed_num"


def train_global(
    jhu_dir: Path, cfg: GlobalConfig, runs_dir: Path, progress: bool = True
) -> RunResult:
    """Fit the global model on the top countries of the JHU files; write a run folder."""
    jhu_dir = Path(jhu_dir).expanduser().resolve()
    cumulative = country_matrix(jhu_dir, corrected=False)
    daily = daily_from_cumulative(cumulative)
    countries = top_countries(cumulative, cfg.num_countries)
    daily = daily[countries]
    run_dir, _ = start_run(runs_dir, APP, None, data={"jhu_dir": jhu_dir}, model=cfg)
    started = time.perf_counter()
    held_out = daily.iloc[-(VAL_DAYS + cfg.input_days) :]  # targets in the last VAL_DAYS only
    _, records = fit_global(daily.iloc[:-VAL_DAYS], cfg, held_out, progress=progress)
    model, _ = fit_global(daily, cfg)  # the same recipe on every day: the model that forecasts
    seconds = time.perf_counter() - started
    meta = {
        "app": APP,
        "model": GLOBAL_MODEL_NAME,
        "model_args": global_model_args(cfg),
        "level_days": cfg.level_days,
        "series": [SERIES],
        "jhu_dir": str(jhu_dir),
        "countries": countries,
        "last_day": str(daily.index[-1].date()),
        "ets_weights": [cfg.ets_weight_h1_7, cfg.ets_weight_h8_14],  # combine.py's blend
    }
    save_model(model, run_dir, meta)
    history = pd.DataFrame(records)
    atomic_write(run_dir / "history.csv", lambda tmp: history.to_csv(tmp, index=False))
    last = records[-1]
    metrics = {k: float(v) for k, v in last.items() if "/" in k} | {"train_seconds": seconds}
    finish_run(run_dir, records, metrics)
    return RunResult(run_dir, metrics, records, seconds)


class GlobalPredictor:
    """A trained global model: forecasts any JHU country's daily new confirmed cases."""

    def __init__(self, run_dir: Path, meta: dict[str, Any]) -> None:
        self.run_dir, self.meta = Path(run_dir), meta
        self.model = load_model(build_global_model, meta, run_dir).eval()
        self.horizon: int = meta["model_args"]["horizon"]
        self.input_days: int = meta["model_args"]["input_days"]
        self.series = [SERIES]
        self.ets_weights = ets_weights(meta, run_dir)

    def forecast_daily(self, daily: pd.Series, days: int) -> ForecastResult:
        """Daily counts (>= 0) -> actual and forecast table with the P10-P90 band."""
        if not 1 <= days <= self.horizon:
            raise UserError(f"The global model forecasts 1..{self.horizon} days (got {days}).")
        if len(daily) < self.input_days:
            raise UserError(f"Need at least {self.input_days + 1} days of data to forecast.")
        start = daily.index[-1] + pd.Timedelta(days=1)
        history = daily.to_numpy(dtype=float)[None, -self.input_days :]
        q = forecast_quantiles(
            self.model, history, np.array([start.weekday()]), self.meta["level_days"]
        )
        out = MethodForecast(q[0, :days, 1], q[0, :days, 0], q[0, :days, 2])
        if any(self.ets_weights):  # AutoETS on the same days, blended (combine.py)
            ets = forecast_baselines(daily.to_frame(SERIES), days, (ETS,))[ETS].median[:, 0]
            out = blend(out, ets, self.ets_weights)
        return forecast_table(daily, out.median, out.low, out.high)


def ets_weights(meta: dict[str, Any], run_dir: Path) -> tuple[float, float]:
    """The run's AutoETS blend weights (h 1..7, h 8..14); runs from before the blend: (0, 0)."""
    weights = meta.get("ets_weights", [0.0, 0.0])
    valid = isinstance(weights, list) and len(weights) == 2
    if not valid or not all(isinstance(w, int | float) and 0 <= w <= 1 for w in weights):
        raise UserError(f"{run_dir}: ets_weights must be two numbers in 0..1; retrain the run.")
    return float(weights[0]), float(weights[1])


def load_global(run_dir: Path) -> GlobalPredictor:
    """The global model of a finished run (safetensors + JSON; no pickle anywhere)."""
    from common.checkpoint import read_model_meta

    return GlobalPredictor(run_dir, read_model_meta(run_dir, expected_app=APP))


def forecast_table(
    daily: pd.Series, median: np.ndarray, low: np.ndarray | None, high: np.ndarray | None
) -> ForecastResult:
    """The table the CLI and page show: actual days, then forecast days with a band."""
    dates = pd.date_range(daily.index[-1] + pd.Timedelta(days=1), periods=len(median))
    future = pd.DataFrame({"date": dates, "kind": "forecast", SERIES: median})
    future[f"{SERIES}_low"] = median if low is None else low
    future[f"{SERIES}_high"] = median if high is None else high
    past = pd.DataFrame({"date": daily.index, "kind": "actual", SERIES: daily.to_numpy()})
    table = pd.concat([past, future], ignore_index=True)
    return ForecastResult(table, [SERIES], first_zero_date(dates, median))


def country_daily(jhu_dir: Path, country: str, province: str | None = None) -> tuple:
    """(daily new confirmed of one country, its JhuSeries with the resolved name and notes)."""
    found = read_country(jhu_dir, country, province)
    daily = found.cumulative[SERIES].diff().iloc[1:].clip(lower=0)
    return daily, found


def read_backtest(run_dir: Path) -> dict[str, Any] | None:
    path = Path(run_dir) / BACKTEST_FILE
    return read_json(path, "JHU backtest") if path.is_file() else None


def write_backtest(run_dir: Path, result: dict[str, Any]) -> Path:
    return write_json(Path(run_dir) / BACKTEST_FILE, result)


@dataclass
class Verdict:
    best: str | None  # the winner of the country's own backtest (relMAE, h 1..7)
    best_baseline: str | None
    sentence: str


def verdict(backtest: dict[str, Any] | None, country: str) -> Verdict:
    """What the country's own backtest says about the model, in one sentence."""
    if backtest is None:
        return Verdict(None, None, "No backtest in this run yet: refapps covid_forecast backtest")
    best = backtest.get("best", {}).get(country)
    baseline = backtest.get("best_baseline", {}).get(country)
    if best is None:
        sentence = f"{country} is not in this run's backtest (backtest --country {country!r})."
    elif best == MODEL_METHOD:
        sentence = f"On {country}'s own backtest the global model beat every baseline."
    else:
        sentence = f"On {country}'s own backtest the model LOST to {best} (relMAE, h 1..7)."
    return Verdict(best, baseline, sentence)
