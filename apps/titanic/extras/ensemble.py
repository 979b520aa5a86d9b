"""--num-models N: a seed ensemble, N networks trained with different seeds and averaged.

    refapps titanic train --num-models 5

Member 0 is trained exactly as the default network and writes the run's history and resume
state; members 1..N-1 follow, each with its own seed (seed + 1000 x index), initialisation
and shuffling order, without metrics or files. The run saves the `TitanicEnsemble` of them
all (model.py), whose output averages the members' probabilities. CV on the training split
found no gain in accuracy from 3 seeds (the study linked from the README), so the default is one.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from torch.utils.data import DataLoader

from common.config import TrainConfig
from common.device import seed_everything
from common.runs import RunResult
from common.training.options import LoopOptions, TrainingLoop
from common.training.script_style import run_training_script

from ..config import DataConfig, ModelConfig
from ..model import TitanicEnsemble, TitanicMLP
from ..train import fit_network, train


def fit_other_members(
    model: TitanicEnsemble,
    args: dict[str, Any],
    train_loader: DataLoader,
    val_loader: Any,
    train_cfg: TrainConfig,
    options: LoopOptions,
) -> None:
    """Train members 1..N-1 after member 0; only member 0 keeps a history and writes the run.

    The others validate on one batch only (the loop needs one) and compute no metrics.
    """
    options = dataclasses.replace(options, run_dir=None, resume=None, progress=False)
    for index in range(1, len(model.members)):
        seed = train_cfg.seed + 1000 * index
        seed_everything(seed)
        member = model.members[index]
        fresh = TitanicMLP(args["num_features"], tuple(args["hidden"]), args["dropout"])
        member.load_state_dict(fresh.state_dict())  # a fresh init from this member's seed
        val_loader = [next(iter(val_loader))]
        train_loader.generator.manual_seed(seed)
        fit_network(member, train_loader, val_loader, train_cfg, options, metrics=None)


def train_ensemble(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    progress: bool = True,
    loop: TrainingLoop = run_training_script,
) -> RunResult:
    """`train` with every member of `model_cfg.num_models` trained, not only member 0."""
    return train(data_cfg, model_cfg, train_cfg, progress, fit_other_members, loop)
