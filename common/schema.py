"""Checks of what a run folder gives back (`model.json`, `last.pt`) before anything uses it.

A file that parses can still be wrong: edited, from another version, or damaged. These
checks turn that into one `CheckpointError` naming the file, the entry and the fix, before
a model is built or a loop restored; `SavedDict` makes any entry the code looks up later
and the file lacks a `MissingKeyError` of the same kind, never a bare `KeyError`.

    python -c "from common.checkpoint import read_model_meta as r; print(r('runs/titanic/RUN'))"
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from common.errors import CheckpointError, MissingKeyError

MAX_ARG_INT = 10**8  # any single size in model_args; the parameter cap checks the product
MAX_ITEMS = 100_000  # entries in one list or object of model.json
MAX_CHARS = 100_000  # characters in one string
MAX_DEPTH = 12
FIX = "it was edited, damaged or written by another refapps version: train again or restore it"


class SavedDict(dict):  # type: ignore[type-arg]
    """A dict read from a file; a missing entry raises `MissingKeyError` naming both."""

    def __init__(self, data: Mapping[str, Any], where: Path, prefix: str = "") -> None:
        super().__init__(data)
        self.where, self.prefix = where, prefix

    def __getitem__(self, key: str) -> Any:
        # Not `__missing__`: pandas' `Series.map(d)` takes a dict that has one as "has a
        # default" and would call it for every unseen value instead of giving NaN.
        try:
            return super().__getitem__(key)
        except KeyError:
            raise MissingKeyError(
                f"{self.where} has no '{self.prefix}{key}' entry; {FIX}."
            ) from None


def saved_tree(value: Any, where: Path, prefix: str = "") -> Any:
    """`value` with every JSON object (nested too) turned into a `SavedDict`."""
    if isinstance(value, dict):
        items = {k: saved_tree(v, where, f"{prefix}{k}.") for k, v in value.items()}
        return SavedDict(items, where, prefix)
    if isinstance(value, list):
        return [saved_tree(v, where, prefix) for v in value]
    return value


def _type_name(types: tuple[type, ...]) -> str:
    names = {dict: "an object", list: "a list", str: "a string", int: "an integer"}
    return " or ".join(names.get(t, t.__name__) for t in types)


def _require(
    data: Mapping[str, Any], fields: Mapping[str, Any], where: Path, optional: bool
) -> None:
    for key, types in fields.items():
        types = types if isinstance(types, tuple) else (types,)
        if key not in data:
            if optional:
                continue
            raise MissingKeyError(f"{where} has no '{key}' entry; {FIX}.")
        value = data[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise CheckpointError(
                f"{where}: '{key}' should be {_type_name(types)}, not "
                f"{type(value).__name__}; {FIX}."
            )


def _check_sizes(value: Any, where: Path, key: str, numbers: bool, depth: int = 0) -> None:
    """Walk a JSON value: bounded depth and lengths; with `numbers`, no absurd sizes or NaN."""
    if depth > MAX_DEPTH:
        raise CheckpointError(f"{where}: '{key}' is nested too deeply; {FIX}.")
    if isinstance(value, dict | list) and len(value) > MAX_ITEMS:
        raise CheckpointError(f"{where}: '{key}' has {len(value):,} entries; {FIX}.")
    if isinstance(value, str) and len(value) > MAX_CHARS:
        raise CheckpointError(f"{where}: '{key}' is a {len(value):,}-character string; {FIX}.")
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if numbers and is_int and abs(value) > MAX_ARG_INT:
        raise CheckpointError(
            f"{where}: '{key}' is {value:,}, above the limit of {MAX_ARG_INT:,}; {FIX}."
        )
    if numbers and isinstance(value, float) and not math.isfinite(value):
        raise CheckpointError(f"{where}: '{key}' is {value}; {FIX}.")
    if isinstance(value, dict | list):
        children = value.items() if isinstance(value, dict) else enumerate(value)
        for child_key, child in children:
            _check_sizes(child, where, f"{key}.{child_key}", numbers, depth + 1)


MODEL_META_FIELDS = {"model": str, "model_args": dict}
MODEL_META_OPTIONAL = {"app": str, "format_version": int, "versions": dict, "classes": list}


def check_model_meta(
    meta: Any, where: Path, format_version: int, required: Mapping[str, Any] | None = None
) -> SavedDict:
    """Validate a parsed `model.json`: known keys, their types, sane sizes in `model_args`.

    Args:
        meta: the parsed JSON.
        where: the file, for messages.
        format_version: the newest format this code reads.
        required: app-specific entries and their types, e.g. `{"preprocessor": dict}`.

    Raises:
        CheckpointError: the first problem found, naming the file and the entry.
    """
    if not isinstance(meta, dict):
        raise CheckpointError(f"{where} does not describe a refapps model; {FIX}.")
    _require(meta, MODEL_META_FIELDS, where, optional=False)
    _require(meta, MODEL_META_OPTIONAL, where, optional=True)
    _require(meta, required or {}, where, optional=False)
    if meta.get("format_version", format_version) > format_version:
        raise CheckpointError(f"{where} was written by a newer refapps; update refapps to use it.")
    for key, value in meta.items():  # numbers only in model_args: metrics may be any float
        _check_sizes(value, where, key, numbers=key == "model_args")
    return saved_tree(meta, where)


RESUME_FIELDS = {
    "model": dict,
    "optimizer": dict,
    "scaler": dict,
    "epoch": int,
    "step": int,
    "bad_epochs": int,
    "history": list,
    "rng": dict,
}
RESUME_OPTIONAL = {
    "scheduler": (dict, type(None)),
    "best_value": (float, int, type(None)),
    "best_epoch": (int, type(None)),
    "stopped_early": bool,
    "loader_rng": (torch.Tensor, type(None)),
}


def check_resume_state(state: dict[str, Any], where: Path) -> SavedDict:
    """Validate a loaded `last.pt`: every entry a resume reads, with the right types.

    Raises:
        CheckpointError: naming the file and the first missing or mistyped entry.
    """
    _require(state, RESUME_FIELDS, where, optional=False)
    _require(state, RESUME_OPTIONAL, where, optional=True)
    if not all(isinstance(v, torch.Tensor) for v in state["model"].values()):
        raise CheckpointError(f"{where}: 'model' holds values that are not tensors; {FIX}.")
    _require(state["optimizer"], {"state": dict, "param_groups": list}, where, optional=False)
    if not all(isinstance(r, dict) for r in state["history"]):
        raise CheckpointError(f"{where}: 'history' should be a list of objects; {FIX}.")
    if state["epoch"] < 0 or state["step"] < 0 or state["bad_epochs"] < 0:
        raise CheckpointError(f"{where}: a negative epoch or step count; {FIX}.")
    _require(state["rng"], {"torch": torch.Tensor, "python": list, "numpy": dict}, where, False)
    return SavedDict(state, where)
