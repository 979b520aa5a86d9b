"""Steps 3 and 4 of 6, train and evaluate: wire data + model into a `common.training` loop.

    refapps imdb train                  # ngram_nb, class-style loop, 1 epoch, ~2 min on 2 cores
    refapps imdb evaluate               # the newest run on the 25,000 test reviews

`train` first fits the same model on 90 % of train and chooses the decision threshold on the
other 10 % (`decision.py`), then fits on all of train. A run folder gets config.json,
tokenizer.json, model.safetensors + model.json (with the threshold), last.pt, history.csv,
curves.png and metrics.json. Options swap parts of a `Recipe` (see `dispatch.py`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torchmetrics import MetricCollection

from common.checkpoint import write_model_meta
from common.config import TrainConfig
from common.device import fixed_threads, pick_device, seed_everything
from common.errors import UserError
from common.files import write_json
from common.metrics import binary_metrics, score
from common.runs import RunResult, finish_run, open_run, read_config, restore_config, run_configs
from common.training.evaluation import evaluate_model
from common.training.keras_style import fit_keras_model
from common.training.options import LoopOptions, TrainingLoop, pick_validation

from .config import APP, DataConfig, ModelConfig
from .data import CLASSES, Loaders, Reviews, load_split, make_loaders
from .decision import held_out_decision
from .model import NGRAM_NB, Family, model_args
from .predict import Predictor, load_predictor
from .text import save_tokenizer


@dataclass(frozen=True)
class Recipe:
    """The parts of a run that an option replaces; the defaults are what `train` does."""

    family: Family = NGRAM_NB
    more_texts: Callable[[Reviews, DataConfig, int], Reviews] | None = None  # after tokenizer
    decide: Callable[[nn.Module, Loaders, dict[str, Any], int], dict[str, Any]] = (
        held_out_decision  # --lexicon-stack: also the stack's weights
    )
    load: Callable[[Path], Predictor] | None = None  # a rule that reads texts: test through it
    read: Callable[[DataConfig, str], Reviews] = load_split  # --train-file, --test-file

    def check(self, data_cfg: DataConfig, model_cfg: ModelConfig) -> None:
        """Refuse an option whose part (in extras/) this recipe lacks: never ignore it."""
        if (
            model_cfg.name not in self.family.names
            or (data_cfg.snippets_per_review and self.more_texts is None)
            or (model_cfg.lexicon_stack and self.load is None)
        ):
            raise UserError(
                "An option served by apps/imdb/extras is set: pass train() the recipe of "
                "apps.imdb.dispatch.recipe_for (as `refapps imdb train` does)."
            )


def make_loss() -> nn.Module:
    return nn.BCEWithLogitsLoss()


def make_metrics() -> MetricCollection:
    return binary_metrics()


def make_optimizer(
    model: nn.Module, train_cfg: TrainConfig, family: Family
) -> torch.optim.Optimizer:
    """AdamW; n-gram tables get no weight decay (it would pull rare n-grams to 0)."""
    decay = 0.0 if family.naive_bayes else train_cfg.weight_decay
    return torch.optim.AdamW(model.parameters(), lr=train_cfg.lr, weight_decay=decay, fused=True)


def prepare(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig, recipe: Recipe
) -> tuple[Loaders, nn.Module, dict[str, Any]]:
    """Seeded loaders, the model (n-gram ratios set) and its model.json description."""
    generator = seed_everything(train_cfg.seed)
    loaders = make_loaders(data_cfg, model_cfg, train_cfg, generator, recipe)
    args = model_args(model_cfg, loaders.vocab_size)
    model = recipe.family.build(args)
    if loaders.nb_ratios is not None and train_cfg.resume is None:
        model.set_ratios(*loaders.nb_ratios)
    meta = {
        "app": APP,
        "model": model_cfg.name,
        "model_args": args,
        "classes": list(CLASSES),
        "max_tokens": data_cfg.max_tokens,
        "threshold": 0.5,
        "num_train_reviews": loaders.num_reviews,
        "num_train_snippets": len(loaders.train.y) - loaders.num_reviews,
    }
    return loaders, model, meta


def fit_loaders(
    model: nn.Module,
    loaders: Loaders,
    train_cfg: TrainConfig,
    options: LoopOptions,
    loop: TrainingLoop = fit_keras_model,
) -> Any:
    """Train with the loop style `loop`; without a validation split, keep the last epoch."""
    options, val = pick_validation(options, loaders.val, loaders.test)
    optimizer = make_optimizer(model, train_cfg, loaders.family)
    epochs, metrics = train_cfg.effective_epochs, make_metrics()
    return loop(model, make_loss(), optimizer, loaders.train, val, epochs, metrics, None, options)


class Thresholded(nn.Module):
    """Logits shifted so that 0 is the decision threshold: metrics at 0.5 then use it."""

    def __init__(self, model: nn.Module, threshold: float) -> None:
        super().__init__()
        self.model, self.offset = model, math.log(threshold / (1 - threshold))

    def forward(self, x: Any) -> torch.Tensor:
        return self.model(x) - self.offset


def fit_held_out(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    recipe: Recipe,
    loop: TrainingLoop = fit_keras_model,
) -> tuple[nn.Module, Loaders, dict[str, Any]]:
    """Train once in memory on part of train, keeping the rest (`threshold_fraction`) apart."""
    cfg = dataclasses.replace(data_cfg, val_fraction=data_cfg.threshold_fraction)
    device = pick_device(train_cfg.device)
    loaders, model, meta = prepare(cfg, model_cfg, train_cfg, recipe)
    options = LoopOptions.from_config(train_cfg, device, None, None, progress=False)
    options.monitor = None  # same epochs as the real run: the last one
    fit_loaders(model, loaders, train_cfg, options, loop)
    return model, loaders, meta


def train(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    progress: bool = True,
    recipe: Recipe | None = None,
    loop: TrainingLoop = fit_keras_model,
) -> RunResult:
    """Train one model and evaluate it on the test split; everything lands in a run folder."""
    data_cfg, model_cfg, train_cfg = run_configs(data_cfg, model_cfg, train_cfg)
    recipe = recipe or Recipe()
    recipe.check(data_cfg, model_cfg)
    device, seed = pick_device(train_cfg.device), train_cfg.seed
    with fixed_threads(train_cfg.num_threads):
        started = time.perf_counter()
        decision = None
        if data_cfg.val_fraction == 0 and data_cfg.threshold_fraction > 0:
            held = fit_held_out(data_cfg, model_cfg, train_cfg, recipe, loop)
            decision = recipe.decide(*held, seed)
        loaders, model, meta = prepare(data_cfg, model_cfg, train_cfg, recipe)
        run_dir, resume = open_run(APP, data_cfg, model_cfg, train_cfg)
        save_tokenizer(loaders.tokenizer, run_dir)
        write_model_meta(run_dir, meta)
        options = LoopOptions.from_config(train_cfg, device, run_dir, resume, progress)
        history = fit_loaders(model, loaders, train_cfg, options, loop)
        decision = decision or recipe.decide(model, loaders, meta, seed)
        write_model_meta(run_dir, meta | decision)
        train_seconds = time.perf_counter() - started
        if recipe.load is not None:  # the rule reads the texts: score through the predictor
            scores = evaluate(run_dir, predictor=recipe.load(run_dir), read=recipe.read)
            test_metrics = {k: v for k, v in scores.items() if k != "num_samples"}
        else:
            test_metrics = evaluate_model(
                Thresholded(model, decision["threshold"]), loaders.test, make_loss(),
                make_metrics(), options,
            )  # fmt: skip
        test_metrics |= {"threshold": decision["threshold"]}
        finish_run(run_dir, history.records, test_metrics | {"train_seconds": train_seconds})
    return RunResult(run_dir, test_metrics, history.records, train_seconds)


def evaluate(
    run_dir: Path,
    test_file: Path | None = None,
    predictor: Predictor | None = None,
    read: Callable[[DataConfig, str], Reviews] = load_split,
) -> dict[str, Any]:
    """Accuracy, ROC AUC, F1 (and precision, recall) on the test split, at the threshold."""
    predictor = predictor or load_predictor(run_dir)
    saved = restore_config(DataConfig, read_config(run_dir)["data"])
    reviews = read(dataclasses.replace(saved, test_file=test_file or saved.test_file), "test")
    logits = predictor.predict_logits(reviews.texts)
    logits -= math.log(predictor.threshold / (1 - predictor.threshold))  # decide at threshold
    result: dict[str, Any] = score(make_metrics(), logits, torch.tensor(reviews.labels))
    result["num_samples"] = len(reviews.labels)
    write_json(Path(run_dir) / "evaluation.json", result)
    return result
