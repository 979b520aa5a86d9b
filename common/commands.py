"""Typer commands that every app mounts the same way (torch-free, so `refapps --help` stays fast).

    refapps titanic lr-find --seed 1

An app mounts one with a function that runs its own part: `add_lr_find_command(app, find,
TRAIN_DEFAULTS)`, where `find(train_cfg)` imports the app's training code inside its body.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Annotated, Any

import typer

from common.cli import RunsDirOpt, handle_user_errors
from common.config import TrainConfig


def add_lr_find_command(
    app: typer.Typer, find: Callable[[TrainConfig], Any], defaults: TrainConfig
) -> None:
    """Mount `lr-find` on an app's Typer `app`; `find(train_cfg)` runs the app's sweep.

    `find` should import the app's training code inside its body, so `--help` stays torch-free.
    It returns a `common.lr_find.LrFindResult`.
    """

    @app.command("lr-find")
    @handle_user_errors
    def lr_find(
        runs_dir: RunsDirOpt = defaults.runs_dir,
        seed: Annotated[int, typer.Option(help="Seed.")] = defaults.seed,
    ) -> None:
        """Sweep the learning rate, plot loss against it, and suggest one."""
        from common.console import console

        result = find(dataclasses.replace(defaults, seed=seed, runs_dir=runs_dir))
        console.print(
            f"Suggested learning rate: {result.suggested_lr:.2e}  (plot: {result.plot_path})"
        )
