"""Step 5 of 6, use the model: raw passengers in, survival probabilities out.

    refapps titanic predict --pclass 3 --sex male --age 22 --fare 7.25 --embarked S

A passenger is a dict of Kaggle's CSV columns. The CLI and the page both call `load_predictor`,
so inference exists once; loading a run runs no code (safetensors weights, JSON preprocessing).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from common.checkpoint import load_model, read_model_meta

from .config import APP
from .data import Preprocessor, validate_passengers
from .model import build_model

PREDICTION_COLUMNS = ("predicted", "survival_probability")


@dataclass(eq=False)
class Predictor:
    """A trained model (in eval mode) with its fitted preprocessing and its model.json."""

    model: torch.nn.Module
    preprocessor: Preprocessor
    meta: dict[str, Any]

    @torch.no_grad()
    def predict_logits(self, df: pd.DataFrame) -> torch.Tensor:
        """Validated frame -> (N,) logits."""
        x = torch.from_numpy(self.preprocessor.transform(df))
        return self.model(x)

    def predict_proba(self, df: pd.DataFrame) -> list[float]:
        return self.predict_logits(df).sigmoid().tolist()

    def predict_frame(self, df: pd.DataFrame, source: str = "input") -> pd.DataFrame:
        """Any passenger frame -> `predicted`, `survival_probability`, then the input columns."""
        clean = validate_passengers(df, source=source)
        probs = pd.Series([round(p, 4) for p in self.predict_proba(clean)], index=df.index)
        rest = df.drop(columns=[c for c in PREDICTION_COLUMNS if c in df.columns])
        head = pd.DataFrame(
            {"predicted": (probs >= 0.5).astype(int), "survival_probability": probs}
        )
        return pd.concat([head, rest], axis=1)

    def predict(self, passengers: list[dict[str, Any]]) -> list[float]:
        """Survival probability of each passenger, given as {CSV column: value}."""
        return self.predict_proba(validate_passengers(pd.DataFrame(passengers), source="passenger"))


def load_predictor(run_dir: Path) -> Predictor:
    """Rebuild the model and preprocessing of a finished run (no pickle anywhere)."""
    meta = read_model_meta(run_dir, expected_app=APP)
    model = load_model(build_model, meta, run_dir).eval()
    return Predictor(model, Preprocessor.from_json(meta["preprocessor"]), meta)
