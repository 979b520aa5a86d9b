"""Tiny fake Titanic data in the real on-disk layout, and one tiny trained run to share.

`REFAPPS_DATA/titanic/{train,test}.csv` hold 40 / 20 passengers with every Kaggle column,
some missing Age, Embarked and Cabin values and a mix of titles. Women in 1st and 2nd class
survive, so a tiny model has something to learn. The default files are sha256-verified, so
tests name these files explicitly (`DataConfig(train_csv=..., test_csv=...)`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from apps.titanic.config import TRAIN_DEFAULTS, DataConfig, ModelConfig

COLUMNS = (
    "PassengerId", "Survived", "Pclass", "Name", "Sex", "Age",
    "SibSp", "Parch", "Ticket", "Fare", "Cabin", "Embarked",
)  # fmt: skip
MALE_TITLES = ("Mr", "Master", "Dr", "Rev", "Mr")
FEMALE_TITLES = ("Mrs", "Miss", "Mlle", "Ms", "Mrs")


def passenger_frame(num_rows: int, seed: int = 0, first_id: int = 1) -> pd.DataFrame:
    """`num_rows` passengers with all Kaggle columns and a learnable survival rule."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(num_rows):
        sex = "female" if i % 2 else "male"
        pclass = 1 + (i // 2) % 3
        titles = FEMALE_TITLES if sex == "female" else MALE_TITLES
        title = titles[(i // 2) % len(titles)]
        age = np.nan if i % 5 == 0 else float(rng.integers(2, 70))
        fare = round(float(rng.uniform(5, 100)) * (4 - pclass), 2)
        rows.append(
            {
                "PassengerId": first_id + i,
                "Survived": int((sex == "female" and pclass < 3) or i % 9 == 0),
                "Pclass": pclass,
                "Name": f"Family{i}, {title}. Given Name",
                "Sex": sex,
                "Age": age,
                "SibSp": int(rng.integers(0, 3)),
                "Parch": int(rng.integers(0, 3)),
                "Ticket": f"T{1000 + i}",
                "Fare": fare,
                "Cabin": f"C{i}" if pclass == 1 and i % 4 else np.nan,
                "Embarked": np.nan if i % 13 == 7 else "SCQ"[i % 3],
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


@pytest.fixture(scope="session")
def fake_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data root: titanic/train.csv (40 rows) and titanic/test.csv (20 rows)."""
    root = tmp_path_factory.mktemp("data")
    (root / "titanic").mkdir()
    passenger_frame(40, seed=0).to_csv(root / "titanic" / "train.csv", index=False)
    passenger_frame(20, seed=1, first_id=100).to_csv(root / "titanic" / "test.csv", index=False)
    return root


@pytest.fixture(autouse=True)
def _use_fake_data(fake_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFAPPS_DATA", str(fake_data))


@pytest.fixture(scope="session")
def train_csv(fake_data: Path) -> Path:
    return fake_data / "titanic" / "train.csv"


@pytest.fixture(scope="session")
def test_csv(fake_data: Path) -> Path:
    return fake_data / "titanic" / "test.csv"


@pytest.fixture(scope="session")
def data_cfg(train_csv: Path, test_csv: Path) -> DataConfig:
    return DataConfig(train_csv=train_csv, test_csv=test_csv)


@pytest.fixture(scope="session")
def tiny_model_cfg() -> ModelConfig:
    return ModelConfig(hidden=(8,))


def tiny_train_cfg(runs_dir: Path, **changes: object):
    """The app's defaults, cut to 2 epochs of batches of 16 (3 steps per epoch)."""
    values: dict = {"epochs": 2, "batch_size": 16, "runs_dir": runs_dir, **changes}
    return dataclasses.replace(TRAIN_DEFAULTS, **values)


@pytest.fixture(scope="session")
def make_train_cfg():
    return tiny_train_cfg


@pytest.fixture(scope="session")
def trained_run(
    data_cfg: DataConfig, tiny_model_cfg: ModelConfig, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """One finished 2-epoch run, shared by the tests that only read a run."""
    from apps.titanic.train import train

    runs_dir = tmp_path_factory.mktemp("runs")
    return train(data_cfg, tiny_model_cfg, tiny_train_cfg(runs_dir), progress=False).run_dir
