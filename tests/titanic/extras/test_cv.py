from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from apps.cli import app
from apps.titanic.config import APP, DataConfig, ModelConfig
from apps.titanic.extras import cv as cv_module
from apps.titanic.extras.cv import NETWORK, cross_validate, cv_splits
from apps.titanic.features import fit_preprocessor


def test_cv_folds_never_share_rows_and_cover_each_row_once_per_repeat() -> None:
    labels = np.array([0, 1] * 20 + [0] * 7)
    held_out_counts = np.zeros(len(labels), dtype=int)
    splits = list(cv_splits(labels, num_folds=5, num_repeats=3, seed=0))
    assert len(splits) == 15
    for train_idx, held_idx in splits:
        assert not set(train_idx) & set(held_idx)
        assert len(train_idx) + len(held_idx) == len(labels)
        held_out_counts[held_idx] += 1
    assert (held_out_counts == 3).all()
    again = list(cv_splits(labels, num_folds=5, num_repeats=3, seed=0))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(splits, again, strict=True))


def test_preprocessing_is_fitted_inside_each_fold(
    data_cfg: DataConfig, make_train_cfg, tmp_path: Path, monkeypatch
) -> None:
    """Fails if the preprocessing is fitted once on all training rows, or sees held-out rows."""
    fitted_on: list[set[int]] = []

    def spy(train_df: pd.DataFrame, features: str = "groups"):
        fitted_on.append(set(train_df["PassengerId"]))
        return fit_preprocessor(train_df, features)

    monkeypatch.setattr(cv_module, "fit_preprocessor", spy)
    result = cross_validate(
        data_cfg,
        ModelConfig(hidden=(4,)),
        make_train_cfg(tmp_path, epochs=1),
        num_folds=4,
        num_repeats=1,
        models=("logistic_regression",),
        write_run=False,
    )
    all_ids = set(pd.read_csv(data_cfg.train_csv)["PassengerId"])
    assert len(fitted_on) == 4
    held_out: set[int] = set()
    for ids in fitted_on:
        assert len(ids) == 30  # 3 of 4 folds of 40 rows, never all 40
        held_out |= all_ids - ids
    assert held_out == all_ids  # every row was held out of some fold's fit
    assert len(result.folds) == 4


def test_cross_validate_scores_every_model_and_writes_cv_json(
    data_cfg: DataConfig, make_train_cfg, tmp_path: Path
) -> None:
    models = (NETWORK, "logistic_regression", "svm")
    result = cross_validate(
        dataclasses.replace(data_cfg, test_csv=tmp_path / "never-read.csv"),
        ModelConfig(hidden=(4,), num_models=2),
        make_train_cfg(tmp_path, epochs=2),
        num_folds=2,
        num_repeats=2,
        models=models,
    )
    assert [r["model"] for r in result.rows] == list(models)
    assert [r["kind"] for r in result.rows] == ["model", "baseline", "baseline"]
    for row in result.rows:
        assert 0.0 <= row["cv/accuracy"] <= 1.0
        assert row["cv/accuracy_std"] >= 0.0
        assert row["cv/accuracy_se"] == row["cv/accuracy_std"] / 2.0  # sqrt(4 splits)
    saved = json.loads((result.run_dir / "cv.json").read_text())
    assert (saved["num_folds"], saved["num_repeats"]) == (2, 2)
    assert len(saved["folds"]) == 4 * len(models)
    assert result.run_dir.parent == tmp_path / f"{APP}_cv"  # a renamed copy writes <name>_cv


def test_cv_command_prints_every_model_and_writes_cv_json(train_csv: Path, tmp_path: Path) -> None:
    options = ("--folds", 2, "--repeats", 1, "--epochs", 1, "--hidden", 4, "--num-models", 1)
    args = ["cv", "--train-csv", train_csv, "--runs-dir", tmp_path, *options, "--json"]
    result = CliRunner().invoke(app, [APP, *map(str, args)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["models"]
    names = [r["model"] for r in rows]
    assert names[0] == NETWORK
    assert {"logistic_regression", "hist_gradient_boosting", "random_forest", "svm"} <= set(names)
    assert {"gender_rule", "wcg_rule"} <= set(names)
    assert len(list((tmp_path / f"{APP}_cv").glob("*/cv.json"))) == 1


def test_cv_command_prints_the_verdicts_over_seeds(train_csv: Path, tmp_path: Path) -> None:
    options = ("--folds", 2, "--repeats", 1, "--epochs", 1, "--hidden", 4, "--seeds", 2)
    args = ["cv", "--train-csv", train_csv, "--runs-dir", tmp_path, *options]
    result = CliRunner().invoke(app, [APP, *map(str, args)])
    assert result.exit_code == 0, result.output
    assert "2 seeds" in result.output
    for other in ("wcg_rule", "gender_rule"):
        assert f"the network minus {other}" in result.output
    (cv_json,) = (tmp_path / f"{APP}_cv").glob("*/cv.json")
    saved = json.loads(cv_json.read_text())
    assert saved["num_seeds"] == 2
    assert {f["seed"] for f in saved["folds"] if f["model"] == NETWORK} == {0, 1}


def test_cv_with_fewer_passengers_of_a_class_than_folds_says_so(
    train_csv: Path, tmp_path: Path
) -> None:
    """Six passengers, three of each outcome, five folds: one line naming the counts, exit 2."""
    small = pd.read_csv(train_csv)
    small = pd.concat(
        [small[small["Survived"] == 1].head(3), small[small["Survived"] == 0].head(3)]
    )
    path = tmp_path / "six.csv"
    small.to_csv(path, index=False)
    args = ["cv", "--train-csv", path, "--runs-dir", tmp_path, "--folds", 5, "--epochs", 1]
    result = CliRunner().invoke(app, [APP, *map(str, args)])
    assert result.exit_code == 2, result.output
    assert "3 passengers survived and 3 died" in result.output
    assert "--folds 5 needs at least 5 of each" in result.output
    assert "use --folds 3 or fewer" in result.output
    assert "Unexpected" not in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / f"{APP}_cv").exists()
