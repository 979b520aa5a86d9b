"""model.json and last.pt are checked before use: one CheckpointError naming file and entry."""

from __future__ import annotations

import json
import tracemalloc

import pytest
import torch

from common.checkpoint import (
    MODEL_META,
    build_model_checked,
    load_resume_checkpoint,
    read_model_meta,
    save_resume_checkpoint,
)
from common.device import capture_rng_state
from common.errors import CheckpointError, MissingKeyError


def _meta(**changes) -> dict:
    meta = {
        "format_version": 1,
        "versions": {"torch": "2"},
        "app": "alpha",
        "model": "tinynet",
        "model_args": {"hidden": 16, "dropout": 0.2},
        "classes": ["died", "survived"],
        "preprocessor": {"medians": {"age": 28.0}},
    }
    meta.update(changes)
    return {k: v for k, v in meta.items() if v is not None}


def _write(tmp_path, meta) -> None:
    (tmp_path / MODEL_META).write_text(json.dumps(meta))


def _build(tiny):
    return lambda args: tiny.TinyNet(**args)


@pytest.mark.parametrize(
    ("meta", "names"),
    [
        (_meta(model_args=None), "'model_args'"),
        (_meta(model=None), "'model'"),
        (_meta(model_args="hidden=16"), "'model_args' should be an object"),
        (_meta(classes="died,survived"), "'classes' should be a list"),
        (_meta(format_version="1"), "'format_version' should be an integer"),
        (_meta(format_version=99), "newer refapps"),
        (_meta(model_args={"hidden": 10**12}), "'model_args.hidden' is 1,000,000,000,000"),
        (_meta(model_args={"hidden": 16, "dropout": float("nan")}), "'model_args.dropout'"),
        (_meta(model_args={"shape": [4, 10**9]}), "'model_args.shape.1'"),
        (_meta(model_args={"a": {"b": {"c": [[[[[[[[[[[[1]]]]]]]]]]]]}}}), "nested too deeply"),
        (_meta(classes=["c"] * 200_000), "200,000 entries"),
        ([1, 2], "does not describe a refapps model"),
    ],
)
def test_a_wrong_model_json_is_refused_before_building(tmp_path, meta, names):
    _write(tmp_path, meta)
    with pytest.raises(CheckpointError) as info:
        read_model_meta(tmp_path)
    assert str(tmp_path / MODEL_META) in str(info.value)
    assert names in str(info.value)


def test_an_app_can_require_its_own_entries(tmp_path):
    _write(tmp_path, _meta(preprocessor=None))
    with pytest.raises(MissingKeyError, match="'preprocessor'"):
        read_model_meta(tmp_path, required={"preprocessor": dict})
    _write(tmp_path, _meta(preprocessor=[1]))
    with pytest.raises(CheckpointError, match="'preprocessor' should be an object"):
        read_model_meta(tmp_path, required={"preprocessor": dict})


def test_a_missing_entry_looked_up_later_is_a_checkpoint_error_not_key_error(tmp_path):
    _write(tmp_path, _meta(preprocessor={"means": {}}))
    meta = read_model_meta(tmp_path)  # no `required`: the app reads entries as it goes
    with pytest.raises(CheckpointError, match=r"'preprocessor\.medians'") as info:
        meta["preprocessor"]["medians"]
    assert str(tmp_path / MODEL_META) in str(info.value)
    assert isinstance(info.value, KeyError)  # code that catches KeyError keeps working
    assert meta.get("nothing") is None
    assert json.loads(json.dumps(meta)) == _meta(preprocessor={"means": {}})


def test_a_string_where_a_shape_belongs_is_refused(tiny, tmp_path):
    _write(tmp_path, _meta(model_args={"hidden": "sixteen"}))
    meta = read_model_meta(tmp_path)
    with pytest.raises(CheckpointError, match="does not describe a valid model"):
        build_model_checked(_build(tiny), meta, tmp_path)


def test_a_huge_shape_allocates_nothing(tiny, tmp_path):
    """10**8 is allowed per argument, but 10**8 x 10**8 weights are refused before allocation."""
    _write(tmp_path, _meta(model_args={"hidden": 10**8}))
    meta = read_model_meta(tmp_path)
    tracemalloc.start()
    with pytest.raises(CheckpointError, match="parameters"):
        build_model_checked(_build(tiny), meta, tmp_path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50 * 2**20


# --- last.pt ------------------------------------------------------------------------------------


def _state(**changes) -> dict:
    state = {
        "format_version": 1,
        "model": {"w": torch.ones(2)},
        "optimizer": {"state": {}, "param_groups": []},
        "scheduler": None,
        "scaler": {},
        "epoch": 2,
        "step": 10,
        "best_value": 0.5,
        "best_epoch": 1,
        "bad_epochs": 0,
        "history": [{"epoch": 1}],
        "rng": capture_rng_state(),
    }
    state.update(changes)
    return {k: v for k, v in state.items() if v != "drop"}


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"scaler": "drop"}, "no 'scaler' entry"),
        ({"rng": "drop"}, "no 'rng' entry"),
        ({"epoch": "2"}, "'epoch' should be an integer"),
        ({"epoch": -1}, "negative"),
        ({"model": {"w": [1.0]}}, "not tensors"),
        ({"optimizer": {"state": {}}}, "no 'param_groups' entry"),
        ({"history": [1, 2]}, "list of objects"),
        ({"best_value": "0.5"}, "'best_value' should be"),
        (
            {"rng": {"torch": torch.zeros(3, dtype=torch.uint8), "python": [], "numpy": {}}},
            "random-number state",
        ),
    ],
)
def test_a_wrong_resume_checkpoint_is_one_checkpoint_error(tmp_path, changes, names):
    path = save_resume_checkpoint(tmp_path / "last.pt", _state(**changes))
    rng_before = torch.get_rng_state()
    with pytest.raises(CheckpointError, match=names) as info:
        load_resume_checkpoint(path)
    assert str(path) in str(info.value)
    assert torch.equal(torch.get_rng_state(), rng_before)  # a refused state changed nothing


def test_a_valid_resume_checkpoint_loads_and_missing_extras_are_checkpoint_errors(tmp_path):
    path = save_resume_checkpoint(tmp_path / "last.pt", _state())
    state = load_resume_checkpoint(path)
    assert state["epoch"] == 2
    with pytest.raises(MissingKeyError, match="'loader_rng'"):
        state["loader_rng"]


def test_a_saved_mapping_gives_nan_for_unseen_values_in_pandas_map(tmp_path):
    """pandas treats a dict with `__missing__` as having a default; ours must not look like one
    (a title never seen in training must impute NaN, not raise)."""
    import pandas as pd

    _write(tmp_path, _meta(preprocessor={"age_by_title": {"Mr": 30.0}}))
    ages = read_model_meta(tmp_path)["preprocessor"]["age_by_title"]
    mapped = pd.Series(["Mr", "Rare"]).map(ages)
    assert mapped.iloc[0] == 30.0
    assert pd.isna(mapped.iloc[1])
