"""Step 5 of 6, use the model: raw passengers in, survival probabilities out.

    refapps titanic predict --pclass 3 --sex male --age 22 --fare 7.25 --embarked S

The CLI and the page both call `load_predictor(run_dir)`, so inference exists once. Loading
a run executes no code: the weights are safetensors and the preprocessing is JSON.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from common.checkpoint import load_model, read_model_meta

from .config import APP
from .data import Preprocessor, validate_passengers
from .model import build_model

PREDICTION_COLUMNS = ("predicted", "survival_probability")
CSV_COLUMNS = ("Pclass", "Sex", "Age", "SibSp", "Parch", "Fare", "Embarked", "Name", "Cabin")


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
        """The CSV columns: Pclass, Sex, Age, SibSp, Parch, Fare, Embarked, Name, Cabin."""
        return dict(zip(CSV_COLUMNS, astuple(self), strict=True))


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

    def predict(self, passengers: list[Passenger]) -> list[float]:
        """Survival probability of each passenger."""
        df = pd.DataFrame([p.to_row() for p in passengers])
        return self.predict_proba(validate_passengers(df, source="passenger"))


def load_predictor(run_dir: Path) -> Predictor:
    """Rebuild the model and preprocessing of a finished run (no pickle anywhere)."""
    meta = read_model_meta(run_dir, expected_app=APP)
    model = load_model(build_model, meta, run_dir).eval()
    return Predictor(model, Preprocessor.from_json(meta["preprocessor"]), meta)
