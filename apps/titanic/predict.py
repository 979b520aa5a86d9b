"""Step 5, use the model: raw passengers in, survival probabilities out.

    refapps titanic predict --csv passengers.csv --out predictions.csv
    refapps titanic predict --csv kaggle/test.csv --kaggle submission.csv
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

from common.checkpoint import load_model, read_model_meta
from common.errors import UserError

from .config import APP
from .data import Preprocessor, validate_passengers
from .model import build_model

PREDICTION_COLUMNS = ("predicted", "survival_probability")


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
        """Any passenger frame -> `predicted`, `survival_probability`, then the input columns."""
        clean = validate_passengers(df, source=source)
        probs = pd.Series([round(p, 4) for p in self.predict_proba(clean)], index=df.index)
        rest = df.drop(columns=[c for c in PREDICTION_COLUMNS if c in df.columns])
        head = pd.DataFrame(
            {"predicted": (probs >= 0.5).astype(int), "survival_probability": probs}
        )
        return pd.concat([head, rest], axis=1)

    def kaggle_submission(self, df: pd.DataFrame, source: str = "input") -> pd.DataFrame:
        """Exactly Kaggle's submission shape: `PassengerId,Survived` with 0/1 integers."""
        if "PassengerId" not in df.columns:
            raise UserError(f"{source} has no PassengerId column, which a Kaggle submission needs.")
        ids = pd.to_numeric(df["PassengerId"], errors="coerce")
        if ids.isna().any() or (ids % 1 != 0).any():
            raise UserError(f"{source}: every PassengerId must be a whole number.")
        table = self.predict_frame(df, source)
        return pd.DataFrame(
            {"PassengerId": ids.astype(int), "Survived": table["predicted"].astype(int)}
        )

    def describe(self) -> str:
        """What the run was trained on, from its own model.json (for the page's intro)."""
        args = self.meta.get("model_args", {})
        num_models = int(args.get("num_models", 1))
        what = f"an ensemble of {num_models} small MLPs" if num_models > 1 else "a small MLP"
        rows = self.meta.get("num_train")
        trained = f"{rows} passengers" if isinstance(rows, int) else "the training passengers"
        extra = " (train and test splits together)" if self.meta.get("train_on_all") else ""
        return f"{what} trained on {trained}{extra}, features: {self.preprocessor.features}"

    def predict(self, passengers: list[Passenger]) -> list[float]:
        """Survival probability of each passenger."""
        df = pd.DataFrame([p.to_row() for p in passengers])
        return self.predict_proba(validate_passengers(df, source="passenger"))


def load_predictor(run_dir: Path) -> Predictor:
    """Rebuild the model and preprocessing of a finished run (no pickle anywhere)."""
    meta = read_model_meta(run_dir, expected_app=APP)
    model = load_model(build_model, meta, run_dir)
    return Predictor(model, Preprocessor.from_json(meta["preprocessor"]), meta)


def write_submission(predictor: Predictor, csv_path: Path, out_path: Path) -> int:
    """Predict a Kaggle test.csv and write `PassengerId,Survived` atomically; returns the rows."""
    from common.checkpoint import atomic_write

    from .data import read_passengers

    submission = predictor.kaggle_submission(read_passengers(csv_path), source=str(csv_path))
    atomic_write(out_path, lambda tmp: submission.to_csv(tmp, index=False))
    return len(submission)
