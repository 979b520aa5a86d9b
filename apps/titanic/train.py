"""Steps 3 and 4 of 6, train and evaluate: wire data + model into a `common.training` loop.

    refapps titanic train                 # script-style loop, as in the tutorial
    refapps titanic train --loop class    # the same result with KerasModel
    refapps titanic train --train-on-all  # all 891 passengers, before a Kaggle submission

A run folder gets config.json, model.safetensors + model.json (with the fitted
preprocessing), last.pt, history.csv, curves.png and metrics.json.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader
from torchmetrics import MetricCollection

from common.checkpoint import save_model
from common.config import TrainConfig
from common.device import fixed_threads, pick_device, seed_everything
from common.errors import UserError
from common.metrics import binary_metrics
from common.runs import RunResult, finish_run, open_run, run_configs
from common.training.evaluation import evaluate_model
from common.training.options import LoopOptions, TrainingLoop, pick_validation
from common.training.schedules import ResumableOneCycleLR, steps_per_epoch
from common.training.script_style import run_training_script

from .config import APP, DataConfig, ModelConfig
from .data import CLASSES, Loaders, make_loaders
from .model import MODEL_NAME, build_model, model_args


def make_loss() -> nn.Module:
    return nn.BCEWithLogitsLoss()


def make_metrics() -> MetricCollection:
    return binary_metrics()


def make_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    return torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)


def fit_network(
    network: nn.Module,
    train_loader: DataLoader,
    val_loader: Any,
    train_cfg: TrainConfig,
    options: LoopOptions,
    metrics: MetricCollection | None,
    loop: TrainingLoop = run_training_script,
) -> list[dict[str, Any]]:
    """Train one network with the loop style `loop` (`--loop`); its per-epoch history."""
    optimizer, epochs = make_optimizer(network, train_cfg), train_cfg.effective_epochs
    steps = steps_per_epoch(train_loader, train_cfg)  # this rank's share, after accumulation
    # one-cycle: warm up, then anneal to ~0 so the kept last epoch sits in a calm minimum
    scheduler = ResumableOneCycleLR(optimizer, train_cfg.lr, epochs=epochs, steps_per_epoch=steps)
    loop_args = (network, make_loss(), optimizer, train_loader, val_loader, epochs, metrics)
    return loop(*loop_args, scheduler, options).records


class FirstMember(nn.Module):
    """Member 0 alone, under the names the run saves it with (`members.0.*`): `last.pt` and
    `model.safetensors` then hold the same keys, so a resume reloads both as they are."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.members = model.members[:1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.members[0](x)

    def load_state_dict(self, state: Any, *args: Any, **kwargs: Any) -> Any:
        # an ensemble's model.safetensors holds every member; last.pt of older runs, member 0 bare
        state = {k if k.startswith("members.") else f"members.0.{k}": v for k, v in state.items()}
        state = {k: v for k, v in state.items() if k.startswith("members.0.")}
        return super().load_state_dict(state, *args, **kwargs)


def prepare(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig
) -> tuple[Loaders, dict[str, Any]]:
    """Seeded loaders (preprocessing fitted on train only) and the model arguments they imply."""
    generator = seed_everything(train_cfg.seed)
    loaders = make_loaders(
        data_cfg, train_cfg.batch_size, train_cfg.seed, generator, train_cfg.max_samples
    )
    return loaders, model_args(model_cfg, len(loaders.preprocessor.feature_names))


def run_meta(args: dict[str, Any], loaders: Loaders, data_cfg: DataConfig) -> dict[str, Any]:
    """model.json: what rebuilds the model, its fitted preprocessing, and what it was fed."""
    meta: dict[str, Any] = {"app": APP, "model": MODEL_NAME, "model_args": args}
    meta["classes"], meta["preprocessor"] = list(CLASSES), loaders.preprocessor.to_json()
    meta["num_train"], meta["train_on_all"] = len(loaders.train.dataset), data_cfg.train_on_all
    return meta


def train(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    progress: bool = True,
    more_members: Callable[..., None] | None = None,
    loop: TrainingLoop = run_training_script,
) -> RunResult:
    """Train the network and evaluate it on the test split; everything lands in a run folder.

    `more_members` trains the other members of a `--num-models N` ensemble after member 0
    (`extras/ensemble.py`); the default run is one network, member 0.
    """
    data_cfg, model_cfg, train_cfg = run_configs(data_cfg, model_cfg, train_cfg)
    if model_cfg.num_models > 1 and more_members is None:
        raise UserError("An ensemble (--num-models above 1) trains with extras/ensemble.py.")
    device = pick_device(train_cfg.device)
    with fixed_threads(train_cfg.num_threads):
        loaders, args = prepare(data_cfg, model_cfg, train_cfg)
        model = build_model(args)
        run_dir, resume = open_run(APP, data_cfg, model_cfg, train_cfg)
        options = LoopOptions.from_config(train_cfg, device, run_dir, resume, progress, "step")
        options, val_loader = pick_validation(options, loaders.val, loaders.test)
        split = "in_sample" if data_cfg.train_on_all else "test"
        if data_cfg.train_on_all:  # the "test" passengers are trained on: an in-sample curve
            options.val_split = split
        started = time.perf_counter()
        seed_everything(train_cfg.seed)  # the same start for every loop style
        loaders.train.generator.manual_seed(train_cfg.seed)
        network, train_loader, metrics = FirstMember(model), loaders.train, make_metrics()
        history = fit_network(network, train_loader, val_loader, train_cfg, options, metrics, loop)
        if more_members is not None:
            more_members(model, args, train_loader, val_loader, train_cfg, options)
        train_seconds = time.perf_counter() - started
        save_model(model.cpu(), run_dir, run_meta(args, loaders, data_cfg))
        test_metrics = evaluate_model(model, loaders.test, make_loss(), make_metrics(), options)
        test_metrics = {k.replace("test/", f"{split}/"): v for k, v in test_metrics.items()}
        finish_run(run_dir, history, test_metrics | {"train_seconds": train_seconds})
    return RunResult(run_dir, test_metrics, history, train_seconds)
