"""What every app's `train()` does around its loop, written once.

    data_cfg, model_cfg, train_cfg = run_configs(data_cfg, model_cfg, train_cfg)  # --resume
    run_dir, resume = open_run(APP, data_cfg, model_cfg, train_cfg)
    options, val_loader = pick_validation(options, loaders.val, loaders.test)

The app keeps what is its own (data, model, optimizer, what it writes); these are the
steps that were the same in every app, so they live here and read the same everywhere.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.config import TrainConfig
from common.runs import resume_configs, start_run
from common.training.options import LoopOptions


@dataclass
class RunResult:
    """What an app's `train()` returns: the run folder and what the run measured.

    `metrics` are the final ones, keyed by split so they say what they are (`test/accuracy`,
    or `in_sample/mape` where the model was scored on what it trained on).
    """

    run_dir: Path
    metrics: dict[str, float]
    history: list[dict[str, Any]]
    train_seconds: float


def run_configs(data_cfg: Any, model_cfg: Any, train_cfg: TrainConfig) -> tuple[Any, Any, Any]:
    """The configs to train with: as given, or under `--resume` the run's own `config.json`.

    Returns:
        `(data_cfg, model_cfg, train_cfg)`; see `common.runs.resume_configs` for a resume.
    """
    if train_cfg.resume is None:
        return data_cfg, model_cfg, train_cfg
    return resume_configs(train_cfg, type(data_cfg), type(model_cfg))


def open_run(
    app: str, data_cfg: Any, model_cfg: Any, train_cfg: TrainConfig
) -> tuple[Path, Path | None]:
    """`common.runs.start_run` with the three configs: a new run folder, or the resumed one.

    Returns:
        `(run_dir, resume)`: `resume` is the `last.pt` to continue from, or None.
    """
    configs = {"data": data_cfg, "model": model_cfg, "train": train_cfg}
    return start_run(train_cfg.runs_dir, app, train_cfg.resume, **configs)


def pick_validation(
    options: LoopOptions, val_loader: Any, test_loader: Any
) -> tuple[LoopOptions, Any]:
    """The per-epoch validation loader, and the loop options that go with it.

    With no validation split (`val_loader` None) the per-epoch curve runs on the test
    split, so the loop keeps the last epoch (`monitor=None`): choosing the best epoch by
    test data would make the test figures optimistic. The history then says `test/*`,
    never `val/*`, so nobody mistakes those figures for validation ones.

    Returns:
        `(options, loader)`: `options` unchanged when there is a validation split.
    """
    if val_loader is not None:
        return options, val_loader
    return dataclasses.replace(options, monitor=None, val_split="test"), test_loader
