from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from apps.titanic import data
from apps.titanic.config import DataConfig
from apps.titanic.csv_files import read_passengers
from apps.titanic.data import (
    Preprocessor,
    csv_paths,
    fit_preprocessor,
    make_loaders,
    validate_passengers,
)
from apps.titanic.features import title_of
from common.errors import DataNotFoundError, UserError


def frame(**overrides: list) -> pd.DataFrame:
    """Four hand-made passengers; keyword arguments replace whole columns."""
    columns = {
        "Survived": [0, 1, 1, 0],
        "Pclass": [3, 1, 2, 3],
        "Name": ["A, Mr. Bo", "B, Mrs. Cy", "C, Miss. Di", "D, Master. Ed"],
        "Sex": ["male", "female", "female", "male"],
        "Age": [22.0, 38.0, 26.0, 4.0],
        "SibSp": [1, 1, 0, 3],
        "Parch": [0, 0, 0, 1],
        "Fare": [7.25, 71.28, 7.92, 21.07],
        "Cabin": [None, "C85", None, None],
        "Embarked": ["S", "C", "S", "Q"],
    }
    return pd.DataFrame(columns | overrides)


def fitted(train: pd.DataFrame | None = None) -> Preprocessor:
    return fit_preprocessor(validate_passengers(frame() if train is None else train))


def one_hot(pre: Preprocessor, features: np.ndarray, column: str) -> np.ndarray:
    index = [i for i, name in enumerate(pre.feature_names) if name.startswith(f"{column}=")]
    return features[:, index]


def test_preprocessor_fills_missing_values() -> None:
    pre = fitted()
    gaps = frame(
        Age=[None, 38.0, None, 4.0],
        Fare=[None, 71.28, 7.92, 21.07],
        Embarked=[None, "C", "S", "Q"],
        Cabin=[None] * 4,
        Name=[None, "B, Mrs. Cy", "no title here", "D, Master. Ed"],
    )
    features = pre.transform(validate_passengers(gaps))
    assert features.shape == (4, len(pre.feature_names))
    assert features.dtype == np.float32
    assert np.isfinite(features).all()
    # no "missing" port in the training data: an unknown port is all zeros, not a crash
    assert one_hot(pre, features, "Embarked")[0].sum() == 0
    assert features[:, pre.feature_names.index("CabinMissing")].tolist() == [1, 1, 1, 1]


def test_preprocessor_learns_a_missing_port_category_from_train() -> None:
    pre = fitted(frame(Embarked=["S", None, "S", "Q"]))
    assert "missing" in pre.categories["Embarked"]
    features = pre.transform(validate_passengers(frame(Embarked=[None, "S", "S", "S"])))
    assert features[0, pre.feature_names.index("Embarked=missing")] == 1


def test_preprocessor_ignores_unseen_port_and_title() -> None:
    pre = fitted()
    unseen = frame(Embarked=["X", "C", "S", "Q"], Name=["Z, Rev. Al", *frame()["Name"][1:]])
    features = pre.transform(validate_passengers(unseen))
    assert "Rare" not in pre.categories["Title"]
    assert one_hot(pre, features, "Embarked")[0].sum() == 0
    assert one_hot(pre, features, "Title")[0].sum() == 0
    assert one_hot(pre, features, "Embarked")[1:].sum(axis=1).tolist() == [1, 1, 1]


def test_reordered_and_extra_columns_give_identical_features() -> None:
    pre = fitted()
    df = frame()
    shuffled = df[list(reversed(df.columns))].assign(Notes="anything")
    a = pre.transform(validate_passengers(df))
    b = pre.transform(validate_passengers(shuffled))
    assert np.array_equal(a, b)


def test_preprocessor_is_fitted_on_train_only() -> None:
    pre = fitted()
    before = json.dumps(pre.to_json(), sort_keys=True)
    other = frame(Age=[80.0, 90.0, 70.0, 75.0], Fare=[500.0, 400.0, 300.0, 200.0])
    pre.transform(validate_passengers(other))
    assert json.dumps(pre.to_json(), sort_keys=True) == before
    assert pre.medians["Age"] == pytest.approx(24.0)  # median of 22, 38, 26, 4


def test_loaders_fit_preprocessing_on_the_training_split(data_cfg: DataConfig) -> None:
    loaders = make_loaders(data_cfg, batch_size=16, seed=0, generator=torch.Generator())
    train_df = read_passengers(data_cfg.train_csv, require_target=True)
    assert loaders.preprocessor.to_json() == fit_preprocessor(train_df).to_json()
    x, y = next(iter(loaders.train))
    assert x.shape == (16, len(loaders.preprocessor.feature_names))
    assert x.dtype == y.dtype == torch.float32
    assert set(y.tolist()) <= {0.0, 1.0}
    assert len(loaders.train.dataset) == 40
    assert len(loaders.test.dataset) == 20
    assert loaders.val is None  # no held-out split by default: training keeps the last epoch


def test_loaders_hold_out_a_validation_share(data_cfg: DataConfig) -> None:
    cfg = DataConfig(data_cfg.train_csv, data_cfg.test_csv, val_fraction=0.25)
    loaders = make_loaders(cfg, batch_size=16, seed=0, generator=torch.Generator(), max_samples=40)
    assert (len(loaders.train.dataset), len(loaders.val.dataset)) == (30, 10)
    assert len(loaders.test.dataset) == 20


def test_max_samples_truncates_both_splits(data_cfg: DataConfig) -> None:
    loaders = make_loaders(data_cfg, 8, 0, torch.Generator(), max_samples=12)
    assert len(loaders.train.dataset) == len(loaders.test.dataset) == 12


def test_preprocessor_json_round_trip() -> None:
    pre = fitted()
    text = json.dumps(pre.to_json())
    again = Preprocessor.from_json(json.loads(text))
    df = validate_passengers(frame(Age=[None, 1.0, 99.0, 40.0], Embarked=["X", "C", "S", None]))
    assert np.array_equal(pre.transform(df), again.transform(df))
    assert again.feature_names == pre.feature_names


def test_preprocessor_from_incomplete_json_is_a_user_error() -> None:
    with pytest.raises(UserError, match="corrupt"):
        Preprocessor.from_json({"categories": {}})


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("Braund, Mr. Owen Harris", "Mr"),
        ("Sagesser, Mlle. Emma", "Miss"),
        ("Aubart, Mme. Leontine Pauline", "Mrs"),
        ("Minahan, Dr. William Edward", "Rare"),
        ("Oliva y Ocana, Dona. Fermina", "Mrs"),  # only in Kaggle's test.csv
        ("no comma or dot", "Rare"),
        (None, "Rare"),
    ],
)
def test_title_of_names(name: str | None, title: str) -> None:
    assert title_of(name) == title


@pytest.mark.parametrize(
    ("sex", "age", "title"),
    [
        ("male", 30.0, "Mr"),
        ("male", 8.0, "Master"),
        ("male", float("nan"), "Mr"),
        ("female", 40.0, "Mrs"),
        ("female", 10.0, "Miss"),
        ("female", float("nan"), "Miss"),
    ],
)
def test_a_missing_name_gets_the_usual_title_for_sex_and_age(sex: str, age: float, title: str):
    assert title_of(None, sex, age) == title
    assert title_of("Minahan, Dr. William Edward", sex, age) == "Rare"  # a real title wins


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("Age", -5, "Age must be between 0 and 120 (row 2: -5)"),
        ("Sex", "x", "Sex must be one of male, female (row 2: 'x')"),
        ("Pclass", 4, "Pclass must be one of 1, 2, 3 (row 2: 4"),
        ("Fare", "cheap", "Fare must be a number (row 2: 'cheap')"),
        ("SibSp", 99, "SibSp must be between 0 and 20 (row 2: 99)"),
        ("Survived", 2, "Survived must be one of 0, 1 (row 2: 2"),
    ],
)
def test_validation_names_the_field_and_row(column: str, value: object, message: str) -> None:
    values = frame()[column].astype(object).tolist()
    values[1] = value
    with pytest.raises(UserError) as err:
        validate_passengers(frame(**{column: values}), require_target=True, source="p.csv")
    assert str(err.value).startswith("p.csv: ")
    assert message in str(err.value)


def test_sex_and_port_are_normalised() -> None:
    df = validate_passengers(
        frame(Sex=[" MALE", "Female", "female", "male"], Embarked=list("scsq"))
    )
    assert df["Sex"].tolist() == ["male", "female", "female", "male"]
    assert df["Embarked"].tolist() == ["S", "C", "S", "Q"]


def test_optional_columns_may_be_absent() -> None:
    df = validate_passengers(frame().drop(columns=["Name", "Cabin", "Survived"]))
    assert df["Name"].isna().all()
    assert df["Cabin"].isna().all()


def test_semicolon_separated_file_names_the_separator(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    frame().to_csv(path, index=False, sep=";")
    with pytest.raises(UserError, match="separator looks like ';'"):
        read_passengers(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("Pclass,Sex,Age,SibSp,Parch,Fare,Embarked\n", "has a header but no passengers"),
        ("Pclass,Sex,Age,SibSp,Parch,Embarked\n3,male,22,1,0,S\n", "missing the column(s) Fare"),
    ],
)
def test_bad_files_are_user_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(UserError) as err:
        read_passengers(path)
    assert message in str(err.value)
    assert "bad.csv" in str(err.value)


def test_missing_target_column_is_named_when_required(tmp_path: Path) -> None:
    path = tmp_path / "no_target.csv"
    frame().drop(columns=["Survived"]).to_csv(path, index=False)
    assert len(read_passengers(path)) == 4
    with pytest.raises(UserError, match="Survived"):
        read_passengers(path, require_target=True)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"CSV file not found: .*nope\.csv"):
        read_passengers(tmp_path / "nope.csv")


def test_explicit_paths_never_download(data_cfg: DataConfig, monkeypatch) -> None:
    def no_download() -> None:
        raise AssertionError("download() must not run when both paths are given")

    monkeypatch.setattr(data, "download", no_download)
    assert csv_paths(data_cfg) == (data_cfg.train_csv, data_cfg.test_csv)


def test_missing_default_data_offline_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    import pooch

    def offline(*args: object, **kwargs: object) -> None:
        raise ConnectionError("no network in tests")

    monkeypatch.setenv("REFAPPS_DATA", str(tmp_path))
    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(DataNotFoundError) as err:
        csv_paths(DataConfig())
    message = str(err.value)
    assert "raw.githubusercontent.com" in message
    assert str(tmp_path / "titanic" / "train.csv") in message
    assert data.SHA256["train.csv"] in message


def test_default_files_with_a_wrong_hash_are_not_used(fake_data: Path, monkeypatch) -> None:
    import pooch

    def offline(*args: object, **kwargs: object) -> None:
        raise ConnectionError("no network in tests")

    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(DataNotFoundError, match="Could not download"):
        csv_paths(DataConfig())  # the fake files exist but are not the verified ones
