"""Step 5, use the model: raw passengers in, survival probabilities out.

    refapps titanic predict --csv passengers.csv --out predictions.csv
    refapps titanic predict --pclass 3 --sex male --age 22 --fare 7.25 --embarked S

The CLI and the Streamlit page both call `load_predictor(run_dir).predict(...)`, so the
inference path exists once. Loading a run executes no code: weights are safetensors and
the preprocessing is JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from common.checkpoint import (
    MODEL_WEIGHTS,
    build_model_checked,
    load_weights,
    read_model_meta,
)

from .config import APP
from .data import Preprocessor, validate_passengers
from .model import build_model


@dataclass(frozen=True)
class Passenger:
    """One passenger as a person would describe them (Name and Cabin are optional)."""

    pclass: int
    sex: str
    age: float | None
    sibsp: int
    parch: int
    fare: float | None
    embarked: str | None
    name: str | None = None
    cabin: str | None = None

    def to_row(self) -> dict[str, Any]:
        return {
            "Pclass": self.pclass,
            "Sex": self.sex,
            "Age": self.age,
            "SibSp": self.sibsp,
            "Parch": self.parch,
            "Fare": self.fare,
            "Embarked": self.embarked,
            "Name": self.name,
            "Cabin": self.cabin,
        }


class Predictor:
    """A trained model with its fitted preprocessing."""

    def __init__(
        self, model: torch.nn.Module, preprocessor: Preprocessor, meta: dict[str, Any]
    ) -> None:
        self.model = model.eval()
        self.preprocessor = preprocessor
        self.meta = meta

    @torch.no_grad()
    def predict_logits(self, df: pd.DataFrame) -> torch.Tensor:
        """Validated frame -> (N,) logits."""
        x = torch.from_numpy(self.preprocessor.transform(df))
        return self.model(x)

    def predict_proba(self, df: pd.DataFrame) -> list[float]:
        return self.predict_logits(df).sigmoid().tolist()

    def predict_frame(self, df: pd.DataFrame, source: str = "input") -> pd.DataFrame:
        """Any passenger frame -> the same rows plus `survival_probability` and `predicted`."""
        clean = validate_passengers(df, source=source)
        out = df.copy()
        out["survival_probability"] = [round(p, 4) for p in self.predict_proba(clean)]
        out["predicted"] = (out["survival_probability"] >= 0.5).astype(int)
        return out

    def predict(self, passengers: list[Passenger]) -> list[float]:
        """Survival probability of each passenger."""
        df = pd.DataFrame([p.to_row() for p in passengers])
        return self.predict_proba(validate_passengers(df, source="passenger"))


def load_predictor(run_dir: Path) -> Predictor:
    """Rebuild the model and preprocessing of a finished run (no pickle anywhere)."""
    meta = read_model_meta(run_dir, expected_app=APP)
    model = build_model_checked(build_model, meta, run_dir)
    load_weights(model, Path(run_dir) / MODEL_WEIGHTS)
    return Predictor(model, Preprocessor.from_json(meta["preprocessor"]), meta)
