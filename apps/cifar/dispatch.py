"""Front-end helper: which data loader and model builder the options need, from `extras/`.

    load, build = splits_loader(data_cfg), model_builder(model_cfg.name)
    train(data_cfg, model_cfg, train_cfg, load=load, build=build)

`cli.py`, `demo.py` and `bench.py` ask here. The reading path (config, data, model, train,
predict) never imports `extras/`, and this module imports an extra only in the branch whose
option needs it: a copy of the app made without `extras/` runs the defaults, and an option
that needs an extra says so in one line.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from common.boundary import needs_extra
from common.checkpoint import read_model_meta
from common.data import data_root
from common.runs import read_config, restore_config

from .config import APP, DataConfig
from .data import SplitsLoader
from .model import ModelBuilder


def splits_loader(cfg: DataConfig) -> SplitsLoader:
    """data.py's CIFAR-2 folder for the defaults; extras/ for CIFAR-10, folders, held-out shares."""
    folder = data_root() / cfg.dataset
    if cfg.data_dir is None and (cfg.dataset == "cifar10" or not (folder / "train").is_dir()):
        with needs_extra(APP, "--dataset cifar10 (or CIFAR-2 without its folder)"):
            from .extras.cifar10 import load_splits
        return load_splits
    if cfg.data_dir is not None or cfg.val_fraction > 0 or not (folder / "test").is_dir():
        with needs_extra(APP, "--data-dir or --val-fraction (or a folder without test/)"):
            from .extras.folders import load_splits
        return load_splits
    from .data import load_splits

    return load_splits


def model_builder(name: str) -> ModelBuilder:
    """model.py's CNN for `--model cnn`; extras/ for the tutorial's net."""
    if name == "tutorial":
        with needs_extra(APP, "--model tutorial"):
            from .extras.tutorial_net import build_model
        return build_model
    from .model import build_model

    return build_model


def run_builder(run_dir: Path) -> ModelBuilder:
    """The model builder a finished run needs, read from its model.json."""
    args = read_model_meta(run_dir, expected_app=APP).get("model_args")
    return model_builder(str(args.get("name")) if isinstance(args, dict) else "cnn")


def run_data_config(run_dir: Path, data_dir: Path | None = None) -> DataConfig:
    """The data a run was trained on (its config.json), or `data_dir` in its place."""
    data_cfg = restore_config(DataConfig, read_config(run_dir)["data"])
    return data_cfg if data_dir is None else dataclasses.replace(data_cfg, data_dir=data_dir)
