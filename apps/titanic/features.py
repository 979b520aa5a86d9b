"""Step 1 of 6, prepare the data: validated passengers -> a float matrix, fitted on train only.

Three feature sets (`--features`): "basic" (class, sex, port, title, age, family, fare),
"extra" (+ ticket-group size, fare per person, deck from the cabin letter) and the default
"groups" (+ whether a family or ticket mate survived or died, from training labels only).
The mate features of a training row come OUT-OF-FOLD: the labels of its own fold are hidden,
so a row's own label never feeds its own feature (README, "Group survival without leakage").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from common.errors import UserError

from .config import FEATURE_SETS

TARGET = "Survived"
TITLES = ("Mr", "Mrs", "Miss", "Master", "Rare")
TITLE_ALIASES = {
    "Mlle": "Miss", "Ms": "Miss", "Mme": "Mrs", "Lady": "Mrs", "Countess": "Mrs", "Dona": "Mrs",
}  # fmt: skip
DECKS = "ABCDEFG"
BASIC_NUMERIC = ("Age", "SibSp", "Parch", "LogFare", "FamilySize")
EXTRA_NUMERIC = ("TicketGroupSize", "LogFarePerPerson")
STATE_KEYS = ("features", "categories", "age_by_title", "medians", "means", "stds", "tickets")


def title_of(name: Any, sex: Any = None, age: Any = None) -> str:
    """'Braund, Mr. Owen Harris' -> 'Mr'; 'Mlle', 'Dona'... -> a known title; the rest 'Rare'."""
    match = re.search(r",\s*([^.]+)\.", name) if isinstance(name, str) else None
    if match is None:
        return _usual_title(sex, age)
    title = TITLE_ALIASES.get(match.group(1).strip(), match.group(1).strip())
    return title if title in TITLES else "Rare"


def _usual_title(sex: Any, age: Any) -> str:
    """No title in the name (none typed on the page): not "Rare" (officers, clergymen)."""
    known_age = isinstance(age, int | float) and np.isfinite(age)
    if sex == "male":
        return "Master" if known_age and age < 13 else "Mr"
    if sex == "female":
        return "Mrs" if known_age and age >= 18 else "Miss"
    return "Rare"


def _text(values: pd.Series) -> list[str | None]:
    """Cells as stripped text; a ticket read as the number 113787.0 is the text '113787'."""
    out: list[str | None] = []
    for v in values:
        if isinstance(v, float | np.floating) and np.isfinite(v) and float(v).is_integer():
            v = str(int(v))
        text = str(v).strip() if v is not None and not pd.isna(v) else ""
        out.append(text or None)
    return out


def group_keys(df: pd.DataFrame) -> list[list[str]]:
    """Each passenger's groups: 'ticket:<ticket>' and 'family:<surname>|<fare>' when known."""
    keys = []
    fares = df["Fare"].to_numpy(dtype=float)
    for ticket, name, fare in zip(_text(df["Ticket"]), _text(df["Name"]), fares, strict=True):
        own = [f"ticket:{ticket}"] if ticket else []
        if name and "," in name:
            own.append(f"family:{name.split(',')[0].strip().lower()}|{fare:.2f}")
        keys.append(own)
    return keys


def mate_counts(df: pd.DataFrame) -> dict[str, list[int]]:
    """Labelled passengers -> {group key: [num survived, num died]}."""
    counts: dict[str, list[int]] = {}
    for keys, label in zip(group_keys(df), df[TARGET].to_numpy(dtype=int), strict=True):
        for key in keys:
            counts.setdefault(key, [0, 0])[0 if label == 1 else 1] += 1
    return counts


def mate_features(df: pd.DataFrame, counts: dict[str, list[int]]) -> np.ndarray:
    """(N, 2): 'a known mate survived', 'a known mate died' (0/1) for every row of `df`."""
    out = np.zeros((len(df), 2), dtype=np.float32)
    for i, keys in enumerate(group_keys(df)):
        survived = sum(counts.get(k, (0, 0))[0] for k in keys)
        died = sum(counts.get(k, (0, 0))[1] for k in keys)
        out[i] = (survived > 0, died > 0)
    return out


def out_of_fold_mates(train_df: pd.DataFrame, num_folds: int = 5, seed: int = 0) -> np.ndarray:
    """Mate features of training rows, each computed with its own fold's labels hidden."""
    folds = np.random.default_rng(seed).permutation(len(train_df)) % num_folds
    out = np.zeros((len(train_df), 2), dtype=np.float32)
    for fold in range(num_folds):
        held = folds == fold
        if held.any():
            out[held] = mate_features(train_df[held], mate_counts(train_df[~held]))
    return out


def _raw_features(df: pd.DataFrame, tickets: dict[str, int], is_training: bool) -> pd.DataFrame:
    """Engineered columns before imputation and scaling."""
    family = (df["SibSp"] + df["Parch"] + 1).to_numpy(dtype=float)
    # a training row is already in `tickets`; a new passenger joins its group
    group = np.array([tickets.get(t, 0) if t else 0 for t in _text(df["Ticket"])], dtype=float)
    group = np.maximum(group + (0 if is_training else 1), 1)
    fare = df["Fare"].to_numpy(dtype=float)
    cabin = df["Cabin"].astype("string").str.strip().str.upper().str[:1]
    return pd.DataFrame(
        {
            "Pclass": df["Pclass"].astype(int).to_numpy(),
            "Sex": df["Sex"].to_numpy(dtype=object),
            "Embarked": df["Embarked"].fillna("missing").to_numpy(dtype=object),
            "Title": [title_of(*row) for row in zip(df["Name"], df["Sex"], df["Age"], strict=True)],
            "Deck": [d if isinstance(d, str) and d in DECKS else "U" for d in cabin],
            "Age": df["Age"].to_numpy(dtype=float),
            "SibSp": df["SibSp"].to_numpy(dtype=float),
            "Parch": df["Parch"].to_numpy(dtype=float),
            "LogFare": np.log1p(fare),
            "FamilySize": family,
            "TicketGroupSize": group,
            "LogFarePerPerson": np.log1p(fare / group),
            "CabinMissing": df["Cabin"].isna().to_numpy(dtype=float),
        }
    )


@dataclass
class Preprocessor:
    """Fitted state, all plain data: categories, medians, scaling, ticket and mate counts."""

    features: str = "groups"
    categories: dict[str, list[Any]] = field(default_factory=dict)
    age_by_title: dict[str, float] = field(default_factory=dict)
    medians: dict[str, float] = field(default_factory=dict)
    means: dict[str, float] = field(default_factory=dict)
    stds: dict[str, float] = field(default_factory=dict)
    tickets: dict[str, int] = field(default_factory=dict)
    mates: dict[str, list[int]] = field(default_factory=dict)

    @property
    def numeric(self) -> tuple[str, ...]:
        return BASIC_NUMERIC if self.features == "basic" else BASIC_NUMERIC + EXTRA_NUMERIC

    @property
    def feature_names(self) -> list[str]:
        one_hot = [f"{col}={value}" for col, values in self.categories.items() for value in values]
        flags = ["AgeMissing", "CabinMissing", "IsAlone", "LargeFamily"]
        mates = ["MateSurvived", "MateDied"] if self.features == "groups" else []
        return [*one_hot, *self.numeric, *flags, *mates]

    def transform(self, df: pd.DataFrame, is_training: bool = False, seed: int = 0) -> np.ndarray:
        """Validated passengers -> (N, num_features) float32; unseen categories -> all zeros.

        `is_training`: `df` holds exactly the rows this was fitted on; their mate features
        are then computed out-of-fold (seeded), while new passengers' use every label.
        """
        raw = _raw_features(df, self.tickets, is_training)
        columns = []
        for col, values in self.categories.items():
            columns += [(raw[col] == value).to_numpy(dtype=np.float32) for value in values]
        # a missing age is filled with the median age of the passenger's title ("Master" is a boy)
        age_missing = raw["Age"].isna().to_numpy(dtype=np.float32)
        raw["Age"] = raw["Age"].fillna(raw["Title"].map(self.age_by_title))
        for col in self.numeric:
            filled = raw[col].fillna(self.medians[col]).to_numpy(dtype=np.float64)
            columns.append(((filled - self.means[col]) / self.stds[col]).astype(np.float32))
        alone, large = raw["FamilySize"] == 1, raw["FamilySize"] >= 5
        flags = [age_missing, raw["CabinMissing"], alone, large]
        x = np.stack(columns + [np.asarray(f, dtype=np.float32) for f in flags], axis=1)
        if self.features == "groups":
            own = out_of_fold_mates(df, seed=seed) if is_training else mate_features(df, self.mates)
            x = np.concatenate([x, own], axis=1)
        return x

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Preprocessor:
        try:
            state = cls(**{k: data[k] for k in STATE_KEYS}, mates=data.get("mates", {}))
        except (KeyError, TypeError) as err:
            raise UserError("The run's preprocessing state is incomplete or corrupt.") from err
        if state.features not in FEATURE_SETS:
            raise UserError(f"The run's preprocessing names unknown features {state.features!r}.")
        return state


def fit_preprocessor(train_df: pd.DataFrame, features: str = "groups") -> Preprocessor:
    """Learn categories, medians, scaling and group counts from the training rows only."""
    tickets = dict(Counter(ticket for ticket in _text(train_df["Ticket"]) if ticket))
    raw = _raw_features(train_df, tickets, is_training=True)
    cat_columns = ["Pclass", "Sex", "Embarked", "Title"] + (["Deck"] if features != "basic" else [])
    categories = {col: sorted(raw[col].dropna().unique().tolist(), key=str) for col in cat_columns}
    age_by_title = {t: float(a) for t, a in raw.groupby("Title")["Age"].median().dropna().items()}
    raw["Age"] = raw["Age"].fillna(raw["Title"].map(age_by_title))
    state = Preprocessor(features, categories, age_by_title, tickets=tickets)
    for col in state.numeric:
        median = float(raw[col].median()) if raw[col].notna().any() else 0.0
        filled = raw[col].fillna(median)
        state.medians[col], state.means[col] = median, float(filled.mean())
        state.stds[col] = float(filled.std(ddof=0)) or 1.0
    if features == "groups":
        state.mates = mate_counts(train_df)
    return state
