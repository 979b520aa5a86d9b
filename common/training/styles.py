"""The three loop styles by name, for the front-ends' `--loop`.

    result = train(data_cfg, model_cfg, train_cfg, loop=loop_of(train_cfg))
    history = loop_named("function")(model, loss_fn, optimizer, train, val, 10)

An app's `train()` imports only its own default style, so its reading path holds one loop;
the front-ends (`cli.py`, `bench.py`, `demo.py`) and the tests pick any of them here. The
three give identical results (`tests/common/test_train_steps.py`).
"""

from __future__ import annotations

from common.config import TrainConfig
from common.errors import UserError
from common.runs import restore_config, resumed_config
from common.training.function_style import train_model
from common.training.keras_style import fit_keras_model
from common.training.options import TrainingLoop
from common.training.script_style import run_training_script

LOOPS: dict[str, TrainingLoop] = {
    "script": run_training_script,
    "function": train_model,
    "class": fit_keras_model,
}


def loop_named(name: str) -> TrainingLoop:
    """The loop style called `name` ("script", "function" or "class").

    Raises:
        UserError: no such style.
    """
    if name not in LOOPS:
        raise UserError(f"--loop must be one of {', '.join(LOOPS)} (got {name!r}).")
    return LOOPS[name]


def loop_of(train_cfg: TrainConfig) -> TrainingLoop:
    """The style a `train` command runs: `--loop`, or under `--resume` the run's own style."""
    if train_cfg.resume is None:
        return loop_named(train_cfg.loop)
    saved = resumed_config(train_cfg.resume)["train"]
    return loop_named(restore_config(TrainConfig, saved, resume=train_cfg.resume).loop)
