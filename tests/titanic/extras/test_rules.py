"""The gender and woman-child-group rules: by hand, and never from a held-out outcome."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from apps.titanic.config import DataConfig, ModelConfig
from apps.titanic.data import validate_passengers
from apps.titanic.extras import cv as cv_module
from apps.titanic.extras.cv import cross_validate, cv_splits, paired_difference
from apps.titanic.extras.rules import NO_GROUP, RULES, gender_rule, wcg_groups, wcg_rule
from apps.titanic.features import TARGET

COLUMNS = ("Name", "Sex", "Pclass", "Ticket", "Fare", "Embarked", TARGET)


def passengers(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df["Age"], df["SibSp"], df["Parch"] = 30.0, 0, 0
    return validate_passengers(df, require_target=True)


TRAIN = passengers(
    [  # the Doe family (3rd class): its woman and girl died; the Roe family (1st): all lived
        ("Doe, Mrs. Ann", "female", 3, "A/5 1001", 20.0, "S", 0),
        ("Doe, Miss. Beth", "female", 3, "A/5 1001", 20.0, "S", 0),
        ("Doe, Mr. Carl", "male", 3, "A/5 1001", 20.0, "S", 0),  # a man: never in a group
        ("Roe, Mrs. Dora", "female", 1, "PC 2002", 80.0, "C", 1),
        ("Roe, Master. Ed", "male", 1, "PC 2002", 80.0, "C", 1),
        ("Poe, Mr. Fred", "male", 2, "3003", 13.0, "S", 0),
        ("Moe, Miss. Gina", "female", 2, "4004", 10.0, "S", 1),
        ("Soe, Mrs. Rita", "female", 2, "4105", 11.0, "S", 1),
        ("Zoe, Mr. Hal", "male", 3, "5005", 8.0, "Q", 0),
    ]
)
NEW = passengers(
    [
        ("Doe, Mrs. Ivy", "female", 3, "A/5 1001", 20.0, "S", 1),  # her group all died: dies
        ("Roe, Master. Jim", "male", 1, "PC 2002", 80.0, "C", 0),  # his group all lived: lives
        ("Loe, Mr. Ken", "male", 3, "6006", 7.0, "S", 1),  # a man alone: dies
        ("Koe, Master. Leo", "male", 3, "7007", 7.0, "S", 1),  # a boy alone: dies
        ("Joe, Miss. May", "female", 3, "8008", 7.0, "S", 0),  # a woman alone: lives
    ]
).drop(columns=[TARGET])


def test_the_woman_child_group_rule_by_hand() -> None:
    assert wcg_rule(TRAIN, NEW).tolist() == [0, 1, 0, 0, 1]


def test_gender_rule_is_the_training_majority_of_each_sex() -> None:
    assert gender_rule(TRAIN, NEW).tolist() == [1, 0, 0, 0, 1]
    flipped = TRAIN.assign(Survived=1 - TRAIN[TARGET])  # now most women die, most men live
    assert gender_rule(flipped, NEW).tolist() == [0, 1, 1, 1, 0]


def test_groups_leave_out_men_and_passengers_alone() -> None:
    groups = wcg_groups(pd.concat([TRAIN, NEW]).drop(columns=[TARGET]).reset_index(drop=True))
    who = dict(zip(pd.concat([TRAIN, NEW])["Name"], groups, strict=True))
    assert who["Doe, Mrs. Ann"] == who["Doe, Miss. Beth"] == who["Doe, Mrs. Ivy"] != NO_GROUP
    assert who["Roe, Master. Ed"] == who["Roe, Master. Jim"] != NO_GROUP
    assert {who["Doe, Mr. Carl"], who["Loe, Mr. Ken"], who["Joe, Miss. May"]} == {NO_GROUP}


def test_a_group_without_a_training_member_decides_by_class() -> None:
    both = passengers(
        [
            ("Hoe, Mrs. Nan", "female", 3, "9009", 9.0, "S", 1),
            ("Hoe, Miss. Ola", "female", 3, "9009", 9.0, "S", 1),
            ("Boe, Master. Pat", "male", 2, "1111", 30.0, "S", 0),
            ("Boe, Mrs. Quinn", "female", 2, "1111", 30.0, "S", 0),
        ]
    ).drop(columns=[TARGET])
    assert wcg_rule(TRAIN, both).tolist() == [0, 0, 1, 1]  # 3rd class: died; 2nd: lived


def families() -> pd.DataFrame:
    """Eight families of two women, a girl and a boy who live or die together; eight men."""
    rows = []
    for i in range(8):
        ticket, fare, lived = f"F {100 + i}", 10.0 + i, i % 2
        for title, sex in (
            ("Mrs", "female"),
            ("Mrs", "female"),
            ("Miss", "female"),
            ("Master", "male"),
        ):
            rows.append((f"Fam{i}, {title}. X", sex, 1 + i % 3, ticket, fare, "S", lived))
        rows.append((f"Single{i}, Mr. Y", "male", 3, f"S {i}", 7.0, "S", 0))
    return passengers(rows)


@pytest.mark.parametrize("name", sorted(RULES))
def test_rules_never_read_a_held_out_outcome(name: str) -> None:
    """Flipping every held-out outcome changes no prediction, in any fold."""
    df = families()
    for train_idx, held_idx in cv_splits(df[TARGET].to_numpy(), 4, 2, seed=0):
        held = df.iloc[held_idx]
        flipped = held.assign(Survived=1 - held[TARGET])
        first, again = (
            RULES[name](df.iloc[train_idx], held),
            RULES[name](df.iloc[train_idx], flipped),
        )
        assert np.array_equal(first, again)


def test_families_are_predicted_from_their_training_members() -> None:
    df = families()
    train_idx, held_idx = next(iter(cv_splits(df[TARGET].to_numpy(), 4, 1, seed=0)))
    held = df.iloc[held_idx]
    predicted = wcg_rule(df.iloc[train_idx], held.drop(columns=[TARGET]))
    assert np.array_equal(predicted, held[TARGET].to_numpy())  # the rule is exact here


def test_cv_gives_the_models_no_held_out_outcome(
    data_cfg: DataConfig, make_train_cfg, tmp_path: Path, monkeypatch
) -> None:
    """Fails if cross_validate hands a model the held-out passengers with their outcome."""
    seen: list[set[str]] = []

    def spy(train_df: pd.DataFrame, new_df: pd.DataFrame) -> np.ndarray:
        seen.append(set(new_df.columns))
        return wcg_rule(train_df, new_df)

    monkeypatch.setitem(cv_module.RULES, "wcg_rule", spy)
    cfg = make_train_cfg(tmp_path, epochs=1)
    cross_validate(data_cfg, ModelConfig(hidden=(4,)), cfg, 4, 1, ("wcg_rule",), False)
    assert len(seen) == 4
    assert all(TARGET not in columns for columns in seen)


def test_seeds_multiply_the_models_not_the_rules(
    data_cfg: DataConfig, make_train_cfg, tmp_path: Path
) -> None:
    models = ("TitanicEnsemble", "random_forest", "wcg_rule")
    cfg = make_train_cfg(tmp_path, epochs=1, seed=7)
    result = cross_validate(data_cfg, ModelConfig(hidden=(4,)), cfg, 2, 2, models, False, None, 3)
    count = {m: [f["seed"] for f in result.folds if f["model"] == m] for m in models}
    assert sorted(set(count["TitanicEnsemble"])) == [7, 8, 9]
    assert len(count["TitanicEnsemble"]) == len(count["random_forest"]) == 4 * 3
    assert count["wcg_rule"] == [7] * 4  # deterministic: once per split
    rows = {r["model"]: r for r in result.rows}
    assert rows["TitanicEnsemble"]["num_scores"] == 12
    per_split = cv_module.split_means(result.folds, "TitanicEnsemble", "accuracy")
    assert len(per_split) == 4
    se = per_split.std(ddof=1) / 2.0  # sqrt(4 splits), not sqrt(12 scores)
    assert rows["TitanicEnsemble"]["cv/accuracy_se"] == pytest.approx(se)


def test_paired_difference_uses_the_per_split_differences() -> None:
    folds = [
        {"fold": i, "seed": s, "model": m, "accuracy": a}
        for i, (net, rule) in enumerate([(0.9, 0.8), (0.8, 0.8), (0.7, 0.5)])
        for m, values, seeds in (("net", (net, net), (0, 1)), ("rule", (rule,), (0,)))
        for s, a in zip(seeds, values, strict=True)
    ]
    diff, se = paired_difference(folds, "net", "rule")
    assert diff == pytest.approx(0.1)
    assert se == pytest.approx(np.std([0.1, 0.0, 0.2], ddof=1) / np.sqrt(3))
