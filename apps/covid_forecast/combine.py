"""Step 4d, a forecast combination: the global model's P50 blended with AutoETS (season 7).

    refapps covid_forecast backtest      # rows `global` (the blend) and `global_only`

The M4 competition's lesson: combinations of different forecasters are robust. The blend is
a geometric mean in log1p space, with ONE weight per horizon bucket (h 1..7, h 8..14):
log1p(P50) = (1 - w) log1p(model P50) + w log1p(AutoETS P50); the model's own P10-P90 band
moves by the same amount in log1p space, so its width (in that scale) is unchanged. w = 0
gives the model alone. The weights (`GlobalConfig.ets_weight_h1_7` / `_h8_14`) were chosen
on validation origins before the backtest period (`choose_weight`, see the README).
Both forecasts come from the days before the origin only, so the blend does too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .baselines import MethodForecast

ETS = "AutoETS"
MODEL_ALONE = "global_only"
BUCKET_DAYS = 7  # h 1..7 take the first weight, h 8.. the second
WEIGHT_GRID = tuple(round(0.1 * k, 1) for k in range(11))


def horizon_weights(weights: tuple[float, float], horizon: int) -> np.ndarray:
    """(w for h 1..7, w for h 8..) -> one weight per forecast day, shape (horizon,)."""
    days = np.arange(1, horizon + 1)
    return np.where(days <= BUCKET_DAYS, weights[0], weights[1]).astype(float)


def blend(model: MethodForecast, ets: np.ndarray, weights: tuple[float, float]) -> MethodForecast:
    """Model forecast (H, ...) and AutoETS P50 (H, ...) -> the combined forecast, counts >= 0."""
    w = horizon_weights(weights, model.median.shape[0]).reshape(-1, *[1] * (ets.ndim - 1))
    own = np.log1p(np.clip(model.median, 0, None))
    shift = w * (np.log1p(np.clip(ets, 0, None)) - own)  # how far the P50 moves, log1p scale

    def moved(values: np.ndarray | None) -> np.ndarray | None:
        if values is None:
            return None
        return np.clip(np.expm1(np.log1p(np.clip(values, 0, None)) + shift), 0, None)

    return MethodForecast(moved(model.median), moved(model.low), moved(model.high))


def add_blend(bt: Any, weights: tuple[float, float], model: str = "global") -> None:
    """Backtest: `model` becomes the blend, the network alone stays as `global_only`.

    Reuses the AutoETS forecasts the backtest already made at each origin (no refit). With
    both weights 0 (or no AutoETS in the backtest) nothing changes.
    """
    if not any(weights) or ETS not in bt.median or model not in bt.median:
        return
    alone = MethodForecast(bt.median[model], bt.low.get(model), bt.high.get(model))
    ets = np.moveaxis(bt.median[ETS], 1, 0)  # (H, O, S): the horizon first, as blend wants
    moved = [None if v is None else np.moveaxis(v, 1, 0) for v in (alone.low, alone.high)]
    mixed = blend(MethodForecast(np.moveaxis(alone.median, 1, 0), *moved), ets, weights)
    for target, values, own in (
        (bt.median, mixed.median, alone.median),
        (bt.low, mixed.low, alone.low),
        (bt.high, mixed.high, alone.high),
    ):
        if values is None:
            continue
        rest = {k: v for k, v in target.items() if k != model}
        target.clear()
        target.update({model: np.moveaxis(values, 0, 1), MODEL_ALONE: own} | rest)


def choose_weight(
    score: Any, bucket: slice, grid: tuple[float, ...] = WEIGHT_GRID
) -> tuple[float, list[dict[str, float]]]:
    """The grid weight with the lowest sMAPE/sMAPE(w=0) + relMAE/relMAE(w=0) on `bucket` days.

    `score(w, bucket)` returns {"smape": ..., "relmae": ...} of the blend on validation
    origins. Ties go to the smaller weight (the model alone wins a tie).
    """
    table = [{"w": w} | score(w, bucket) for w in grid]
    first = table[0]
    for row in table:
        row["objective"] = row["smape"] / first["smape"] + row["relmae"] / first["relmae"]
    best = min(table, key=lambda r: (round(r["objective"], 6), r["w"]))
    return best["w"], table
