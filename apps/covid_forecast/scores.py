"""sMAPE, the error both models report: 2|f - y| / (|f| + |y|), and 0 where both are 0.

    refapps covid_forecast train        # in_sample/naive_smape beside the model's
    refapps covid_forecast backtest     # the JHU backtest's smape column

One definition for NumPy arrays and torch tensors alike (the tutorial's in-sample figures,
the global model's validation curve and the JHU backtest all call it).
"""

from __future__ import annotations

from typing import Any


def smape_terms(forecast: Any, actual: Any) -> Any:
    """Each cell's sMAPE, same shape and type as the inputs (arrays or tensors)."""
    total = abs(forecast) + abs(actual)
    return 2 * abs(forecast - actual) / (total + (total == 0))  # both 0: 0 / 1 = 0


def smape(forecast: Any, actual: Any) -> float:
    """The mean sMAPE over every cell given."""
    return float(smape_terms(forecast, actual).mean())
