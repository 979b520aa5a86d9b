"""Steps 3 and 4 of 6, train and evaluate: fit on 90 % of train and the lexicon stack on the
other 10 % (test unread), refit on all of train, score the test reviews with the `Predictor`.

    refapps imdb train          # ngram_nb + lexicon stack, 1 epoch, ~3 min on 2 cores
    refapps imdb evaluate       # the newest run on the 25,000 test reviews
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from common.checkpoint import write_model_meta
from common.config import TrainConfig
from common.device import fixed_threads, pick_device, seed_everything
from common.errors import UserError
from common.files import write_json
from common.metrics import binary_metrics, score
from common.runs import RunResult, finish_run, open_run, read_config, restore_config, run_configs
from common.training.keras_style import fit_keras_model
from common.training.options import LoopOptions, TrainingLoop, pick_validation

from .config import APP, DataConfig, ModelConfig
from .data import (
    CLASSES,
    TOKENIZER_FILE,
    Encoded,
    Loaders,
    Reviews,
    load_split,
    make_loaders,
    take_ends,
)
from .model import NGRAM_NB, Family, nb_log_ratios
from .predict import Predictor, load_predictor
from .stack import choosing_set, fit_stack, group_weights, lexicon_scores, sample_sentences

SENTENCES_PER_REVIEW = 2  # single sentences cut from each held-out review


@dataclass
class HeldOut:
    texts: list[str]  # held-out reviews first, then sentences cut from them
    logits: np.ndarray  # (N,) the model's logits on them
    labels: np.ndarray
    weights: np.ndarray  # reviews and sentences half the say each
    num_reviews: int


def held_out_scores(
    model: nn.Module, loaders: Loaders, meta: dict[str, Any], seed: int
) -> HeldOut | None:
    """The model's logits on the held-out reviews and their sentences (None: no hold-out)."""
    reviews = loaders.val_reviews
    if reviews is None or len(reviews.labels) == 0:
        return None
    sentences = sample_sentences(reviews, SENTENCES_PER_REVIEW, np.random.default_rng(seed))
    texts = reviews.texts + sentences.texts
    labels = np.concatenate([reviews.labels, sentences.labels])
    weights = group_weights(len(reviews.labels), len(sentences.labels))
    logits = model_logits(model, loaders, meta, texts)
    return HeldOut(texts, logits, labels, weights, len(reviews.labels))


def model_logits(
    model: nn.Module, loaders: Loaders, meta: dict[str, Any], texts: list[str]
) -> np.ndarray:
    """The model's own logits for `texts` (no stack), computed on the CPU."""
    device = next(model.parameters()).device
    logits = Predictor(model.cpu(), loaders.tokenizer, meta, loaders.family).predict_logits(texts)
    model.to(device)
    return logits.double().numpy()


def stack_decision(
    model: nn.Module, loaders: Loaders, meta: dict[str, Any], seed: int
) -> dict[str, Any]:
    """The stack's numbers, fitted on held-out train and the CR choosing set; decided at 0.5."""
    held = held_out_scores(model, loaders, meta, seed)
    if held is None:
        return {"threshold": 0.5}
    cr = choosing_set()
    texts = held.texts + cr.texts
    logits = np.concatenate([held.logits, model_logits(model, loaders, meta, cr.texts)])
    labels = np.concatenate([held.labels, cr.labels])
    num_positive = int(cr.labels.sum())  # CR's positives come first
    sizes = (held.num_reviews, len(held.labels) - held.num_reviews)
    weights = group_weights(*sizes, num_positive, len(cr.labels) - num_positive)
    stack = fit_stack(logits, lexicon_scores(texts), labels, weights, texts)
    return {"threshold": 0.5, "stack": dataclasses.asdict(stack)}


@dataclass(frozen=True)
class Recipe:
    """The parts of a run that an option replaces; the defaults are what `train` does."""

    family: Family = NGRAM_NB
    more_texts: Callable[[Reviews, DataConfig, int], Reviews] | None = None  # after tokenizer
    decide: Callable[[nn.Module, Loaders, dict[str, Any], int], dict[str, Any]] = stack_decision
    read: Callable[[DataConfig, str], Reviews] = load_split  # --train-file, --test-file

    def check(self, data_cfg: DataConfig, model_cfg: ModelConfig) -> None:
        """Refuse an option whose part (in extras/) this recipe lacks: never ignore it."""
        snippets = data_cfg.snippets_per_review and self.more_texts is None
        threshold = not model_cfg.lexicon_stack and self.decide is stack_decision
        if model_cfg.name not in self.family.names or snippets or threshold:
            raise UserError(
                "An option served by apps/imdb/extras is set: pass train() the recipe of "
                "apps.imdb.dispatch.recipe_for (as `refapps imdb train` does)."
            )


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
    model, x, n = recipe.family.build(loaders.args), loaders.train.x.inputs, loaders.num_reviews
    if recipe.family.naive_bayes and train_cfg.resume is None:  # ratios of whole reviews only
        whole, labels = Encoded(x.ids[: x.offsets[n]], x.offsets[: n + 1]), loaders.train.y[:n]
        ratios = nb_log_ratios(whole, labels.numpy(), len(model.r), model_cfg.min_ngram_reviews)
        model.set_ratios(*ratios)
    meta = {"app": APP, "model": model_cfg.name, "model_args": loaders.args}
    meta |= {"classes": list(CLASSES), "max_tokens": data_cfg.max_tokens, "threshold": 0.5}
    meta |= {"num_train_reviews": n, "num_train_snippets": len(loaders.train.y) - n}
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
    epochs, metrics, loss = train_cfg.effective_epochs, binary_metrics(), nn.BCEWithLogitsLoss()
    return loop(model, loss, optimizer, loaders.train, val, epochs, metrics, None, options)


def choose(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    recipe: Recipe,
    loop: TrainingLoop = fit_keras_model,
) -> dict[str, Any]:
    """Fit in memory on part of train and decide (the stack) on the rest, the test unread."""
    cfg = dataclasses.replace(data_cfg, val_fraction=data_cfg.threshold_fraction)
    loaders, model, meta = prepare(cfg, model_cfg, train_cfg, recipe)
    device = pick_device(train_cfg.device)
    options = LoopOptions.from_config(train_cfg, device, None, None, progress=False)
    options.monitor = None  # same epochs as the real run: the last one
    fit_loaders(model, loaders, train_cfg, options, loop)
    return recipe.decide(model, loaders, meta, train_cfg.seed)


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
    with fixed_threads(train_cfg.num_threads):
        started, decision = time.perf_counter(), None
        if data_cfg.val_fraction == 0 and data_cfg.threshold_fraction > 0:
            decision = choose(data_cfg, model_cfg, train_cfg, recipe, loop)
        loaders, model, meta = prepare(data_cfg, model_cfg, train_cfg, recipe)
        run_dir, resume = open_run(APP, data_cfg, model_cfg, train_cfg)
        loaders.tokenizer.save(str(run_dir / TOKENIZER_FILE))
        write_model_meta(run_dir, meta)
        device = pick_device(train_cfg.device)
        options = LoopOptions.from_config(train_cfg, device, run_dir, resume, progress)
        history = fit_loaders(model, loaders, train_cfg, options, loop)
        decision = decision or recipe.decide(model, loaders, meta, train_cfg.seed)
        write_model_meta(run_dir, meta | decision)
        train_seconds = time.perf_counter() - started
        # the model and configs in memory: under torchrun only rank 0 writes the run folder
        predictor = Predictor(model.cpu(), loaders.tokenizer, meta | decision, recipe.family)
        scores = evaluate(run_dir, None, predictor, recipe.read, train_cfg.max_samples, data_cfg)
        test_metrics = {k: v for k, v in scores.items() if k != "num_samples"}
        test_metrics |= {"threshold": decision["threshold"]}
        finish_run(run_dir, history.records, test_metrics | {"train_seconds": train_seconds})
    return RunResult(run_dir, test_metrics, history.records, train_seconds)


def evaluate(
    run_dir: Path,
    test_file: Path | None = None,
    predictor: Predictor | None = None,
    read: Callable[[DataConfig, str], Reviews] = load_split,
    max_samples: int | None = None,
    data_cfg: DataConfig | None = None,
) -> dict[str, Any]:
    """Accuracy, ROC AUC, F1 (and precision, recall) on the test split, at the threshold."""
    predictor = predictor or load_predictor(run_dir)
    saved = data_cfg or restore_config(DataConfig, read_config(run_dir)["data"])
    cfg = dataclasses.replace(saved, test_file=test_file or saved.test_file)
    reviews = take_ends(read(cfg, "test"), max_samples)
    logits = predictor.predict_logits(reviews.texts)
    logits -= math.log(predictor.threshold / (1 - predictor.threshold))  # decide at threshold
    labels = torch.tensor(reviews.labels)
    result: dict[str, Any] = {"test/loss": float(nn.BCEWithLogitsLoss()(logits, labels.float()))}
    result |= score(binary_metrics(), logits, labels)
    result["num_samples"] = len(reviews.labels)
    write_json(Path(run_dir) / "evaluation.json", result)
    return result
