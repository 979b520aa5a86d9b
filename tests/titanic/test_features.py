from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from apps.titanic.data import validate_passengers
from apps.titanic.features import (
    Preprocessor,
    fit_preprocessor,
    mate_counts,
    mate_features,
    out_of_fold_mates,
)


def families(num_groups: int = 6, size: int = 3, seed: int = 0) -> pd.DataFrame:
    """`num_groups` ticket groups of `size` passengers each, random survival."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(num_groups):
        for k in range(size):
            rows.append(
                {
                    "PassengerId": g * size + k + 1,
                    "Survived": int(rng.integers(0, 2)),
                    "Pclass": 1 + g % 3,
                    "Name": f"Fam{g}, {'Mr' if k % 2 else 'Mrs'}. X",
                    "Sex": "male" if k % 2 else "female",
                    "Age": float(20 + k),
                    "SibSp": 1,
                    "Parch": max(size - 2, 0),
                    "Ticket": f"T{g}",
                    "Fare": 30.0 * size,
                    "Cabin": f"{'ABCDEFGT'[g % 8]}{g}" if g % 2 else None,
                    "Embarked": "S",
                }
            )
    return validate_passengers(pd.DataFrame(rows), require_target=True)


def names(pre: Preprocessor, x: np.ndarray, column: str) -> np.ndarray:
    return x[:, pre.feature_names.index(column)]


def test_out_of_fold_mate_feature_never_uses_a_rows_own_label() -> None:
    df = families()
    before = out_of_fold_mates(df, seed=3)
    for row in range(len(df)):
        flipped = df.copy()
        flipped.loc[row, "Survived"] = 1 - flipped.loc[row, "Survived"]
        after = out_of_fold_mates(flipped, seed=3)
        # the row's own feature is blind to its own label (other rows may see it)
        assert np.array_equal(after[row], before[row]), row


def test_in_sample_mate_feature_would_leak_the_label() -> None:
    """The wrong way (no folds) shows the label through the feature: what OOF prevents."""
    df = families(num_groups=1, size=1)
    leaky = mate_features(df, mate_counts(df))
    assert leaky[0].tolist() == [df["Survived"][0] == 1, df["Survived"][0] == 0]
    assert out_of_fold_mates(df).tolist() == [[0.0, 0.0]]


def test_new_passengers_use_every_training_label() -> None:
    train = families()
    pre = fit_preprocessor(train)
    mate = train.iloc[[0]].assign(PassengerId=999, Survived=0)
    x = pre.transform(mate.drop(columns=["Survived"]))
    survived = train[train["Ticket"] == "T0"]["Survived"]
    assert names(pre, x, "MateSurvived")[0] == float(survived.max() == 1)
    assert names(pre, x, "MateDied")[0] == float(survived.min() == 0)


def test_ticket_group_size_fare_per_person_and_deck() -> None:
    train = families(num_groups=4, size=3)
    pre = fit_preprocessor(train)
    x_train = pre.transform(train, is_training=True)
    size = names(pre, x_train, "TicketGroupSize") * pre.stds["TicketGroupSize"]
    assert np.allclose(size + pre.means["TicketGroupSize"], 3.0)  # self included, once
    newcomer = train.iloc[[0]].assign(Ticket="T1", Cabin="B12")
    x_new = pre.transform(newcomer)
    new_size = names(pre, x_new, "TicketGroupSize")[0] * pre.stds["TicketGroupSize"]
    assert new_size + pre.means["TicketGroupSize"] == pytest.approx(4.0)  # 3 known + self
    per_person = names(pre, x_new, "LogFarePerPerson")[0] * pre.stds["LogFarePerPerson"]
    assert per_person + pre.means["LogFarePerPerson"] == pytest.approx(np.log1p(90.0 / 4))
    assert names(pre, x_new, "Deck=B")[0] == 1.0
    assert "Deck=T" not in pre.feature_names  # the one 'T' cabin is folded into unknown


@pytest.mark.parametrize("features", ["basic", "extra", "groups"])
def test_feature_sets_nest(features: str) -> None:
    pre = fit_preprocessor(families(), features)
    assert ("MateSurvived" in pre.feature_names) == (features == "groups")
    assert ("TicketGroupSize" in pre.feature_names) == (features != "basic")
    x = pre.transform(families(seed=1), is_training=True)
    assert x.shape == (18, len(pre.feature_names))
    assert Preprocessor.from_json(pre.to_json()).feature_names == pre.feature_names


def test_numeric_tickets_read_as_numbers_still_form_groups() -> None:
    train = families(num_groups=2, size=2)
    pre = fit_preprocessor(train.assign(Ticket=["111", "111", "222", "222"]))
    newcomer = train.iloc[[0]].assign(Ticket=111.0)  # a CSV with only numeric tickets
    size = names(pre, pre.transform(newcomer), "TicketGroupSize")[0] * pre.stds["TicketGroupSize"]
    assert size + pre.means["TicketGroupSize"] == pytest.approx(3.0)
