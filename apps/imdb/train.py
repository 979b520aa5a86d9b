"""Steps 3 and 4 of 6, train and evaluate: fit on 90 % of train and the lexicon stack on the
other 10 % (test unread), refit on all of train, score the test reviews with the `Predictor`.

    refapps imdb train          # ngram_nb + lexicon stack, 1 epoch, ~3 min on 2 cores
    refapps imdb evaluate       # the newest run on the 25,000 test reviews
"""

from __future__ import annotations

import dataclasses
import math
import time
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
from common.runs import RunResult, finish_run, open_run, run_configs
from common.training.keras_style import fit_keras_model
from common.training.options import LoopOptions, TrainingLoop, pick_validation

from .config import APP, DataConfig, ModelConfig, uses_extras
from .data import CLASSES, TOKENIZER_FILE, Loaders, Reviews, load_split, make_loaders, take_ends
from .model import ImdbNgramNB, build_model, model_args
from .predict import Predictor, load_predictor
from .stack import choosing_set, fit_stack, group_weights, lexicon_scores, sample_sentences

SENTENCES_PER_REVIEW = 2  # single sentences cut from each held-out review


def stack_decision(predictor: Predictor, reviews: Reviews | None, seed: int) -> dict[str, Any]:
    """The stack, fitted on held-out reviews, their sentences and the CR choosing set (each
    group, and CR's two classes, the same say); decided at 0.5."""
    if reviews is None or len(reviews.labels) == 0:
        return {"threshold": 0.5}
    sentences = sample_sentences(reviews, SENTENCES_PER_REVIEW, np.random.default_rng(seed))
    held, cr = reviews.texts + sentences.texts, choosing_set()
    logits = [predictor.predict_logits(texts).double().numpy() for texts in (held, cr.texts)]
    pos, neg = int(cr.labels.sum()), int((cr.labels == 0).sum())  # CR's positives come first
    weights = group_weights(len(reviews.labels), len(sentences.labels), pos, neg)
    texts, labels = held + cr.texts, np.r_[reviews.labels, sentences.labels, cr.labels]
    stack = fit_stack(np.concatenate(logits), lexicon_scores(texts), labels, weights, texts)
    return {"threshold": 0.5, "stack": dataclasses.asdict(stack)}


def prepare(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig
) -> tuple[Loaders, ImdbNgramNB, dict[str, Any]]:
    """Seeded loaders, the model (its ratios set from train) and its model.json entries."""
    loaders = make_loaders(data_cfg, model_cfg, train_cfg, seed_everything(train_cfg.seed))
    args = model_args(model_cfg, loaders.tokenizer.get_vocab_size())
    model, x, y = build_model(args), loaders.train.x, loaders.train.y.numpy()
    if train_cfg.resume is None:  # a resumed run loads its trained ratios
        model.set_ratios(x, y, model_cfg.min_ngram_reviews)
    meta = {"app": APP, "model": model_cfg.name, "model_args": args, "classes": list(CLASSES)}
    meta |= {"max_tokens": data_cfg.max_tokens, "threshold": 0.5}
    return loaders, model, meta | {"num_train_reviews": len(y), "num_train_snippets": 0}


def fit_loaders(
    model: nn.Module, loaders: Loaders, cfg: TrainConfig, options: LoopOptions, loop: TrainingLoop
) -> Any:
    """AdamW (no weight decay: it would pull rare n-grams to 0) in the loop style `loop`;
    without a validation split, the last epoch is kept."""
    options, val = pick_validation(options, loaders.val, loaders.test)
    optimizer = torch.optim.AdamW(model.parameters(), cfg.lr, weight_decay=0.0, fused=True)
    epochs, metrics, loss = cfg.effective_epochs, binary_metrics(), nn.BCEWithLogitsLoss()
    return loop(model, loss, optimizer, loaders.train, val, epochs, metrics, None, options)


def choose(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig, loop: TrainingLoop
) -> dict[str, Any]:
    """Fit in memory on train less `threshold_fraction`, the stack on the rest (test unread)."""
    cfg = dataclasses.replace(data_cfg, val_fraction=data_cfg.threshold_fraction)
    train_cfg = dataclasses.replace(train_cfg, resume=None)  # a new model, even on --resume
    loaders, model, meta = prepare(cfg, model_cfg, train_cfg)
    options = LoopOptions.from_config(train_cfg, pick_device(train_cfg.device), progress=False)
    options.monitor = None  # same epochs as the real run: the last one
    fit_loaders(model, loaders, train_cfg, options, loop)
    predictor = Predictor(model.cpu(), loaders.tokenizer, meta)
    return stack_decision(predictor, loaders.val_reviews, train_cfg.seed)


def train(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    progress: bool = True,
    loop: TrainingLoop = fit_keras_model,
) -> RunResult:
    """Train one model and evaluate it on the test split; everything lands in a run folder."""
    data_cfg, model_cfg, train_cfg = run_configs(data_cfg, model_cfg, train_cfg)
    if uses_extras(data_cfg, model_cfg):
        raise UserError("An option of apps/imdb/extras is set: train via apps.imdb.dispatch.")
    with fixed_threads(train_cfg.num_threads):
        started, seed, decision = time.perf_counter(), train_cfg.seed, None
        if data_cfg.val_fraction == 0 and data_cfg.threshold_fraction > 0:
            decision = choose(data_cfg, model_cfg, train_cfg, loop)
        loaders, model, meta = prepare(data_cfg, model_cfg, train_cfg)
        run_dir, resume = open_run(APP, data_cfg, model_cfg, train_cfg)
        loaders.tokenizer.save(str(run_dir / TOKENIZER_FILE))
        write_model_meta(run_dir, meta)
        device = pick_device(train_cfg.device)
        options = LoopOptions.from_config(train_cfg, device, run_dir, resume, progress)
        history = fit_loaders(model, loaders, train_cfg, options, loop)
        predictor = Predictor(model.cpu(), loaders.tokenizer, meta)
        decision = decision or stack_decision(predictor, loaders.val_reviews, seed)
        write_model_meta(run_dir, meta | decision)
        train_seconds = time.perf_counter() - started
        # the model and configs in memory: under torchrun only rank 0 writes the run folder
        predictor = Predictor(model, loaders.tokenizer, meta | decision)
        test = take_ends(load_split("test"), train_cfg.max_samples)
        scores = {k: v for k, v in evaluate(run_dir, predictor, test).items() if k != "num_samples"}
        test_metrics = scores | {"threshold": decision["threshold"]}
        finish_run(run_dir, history.records, test_metrics | {"train_seconds": train_seconds})
    return RunResult(run_dir, test_metrics, history.records, train_seconds)


def evaluate(
    run_dir: Path, predictor: Predictor | None = None, reviews: Reviews | None = None
) -> dict[str, Any]:
    """Accuracy, ROC AUC, F1 (and precision, recall) on the test reviews, at the threshold."""
    predictor = predictor or load_predictor(run_dir)
    reviews = reviews or load_split("test")
    logits = predictor.predict_logits(reviews.texts)
    logits -= math.log(predictor.threshold / (1 - predictor.threshold))  # decide at threshold
    labels = torch.tensor(reviews.labels)
    result: dict[str, Any] = {"test/loss": float(nn.BCEWithLogitsLoss()(logits, labels.float()))}
    result |= score(binary_metrics(), logits, labels)
    result["num_samples"] = len(reviews.labels)
    write_json(Path(run_dir) / "evaluation.json", result)
    return result
