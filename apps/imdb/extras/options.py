"""--model bilstm | tutorial_cnn, --no-lexicon, --snippets-per-review N, --train-file/--test-file:
`train` for a run with any of these options set (`apps.imdb.dispatch.train_for` sends it here).

    refapps imdb train --model tutorial_cnn --snippets-per-review 1 --train-file train.tsv

The steps of apps/imdb/train.py, each with the part an option swaps in: the reviews of
table_files.py, snippets.py's extra texts after the tokenizer, the model's `Family` (the
n-grams, or sequence.py's padded token ids) and the decision (the lexicon stack, or
threshold.py's threshold). With no option set it trains the weights apps/imdb/train.py
trains (tests/imdb/extras/test_options.py checks it).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from common.batches import TensorBatches
from common.checkpoint import write_model_meta
from common.config import TrainConfig
from common.device import fixed_threads, pick_device, seed_everything
from common.metrics import binary_metrics
from common.runs import RunResult, finish_run, open_run, run_configs
from common.training.keras_style import fit_keras_model
from common.training.options import LoopOptions, TrainingLoop, pick_validation

from ..config import APP, DataConfig, ModelConfig
from ..data import (
    CLASSES,
    TOKENIZER_FILE,
    Encoded,
    Loaders,
    Reviews,
    encode,
    ngram_features,
    split_train_val,
    take_ends,
    train_tokenizer,
)
from ..model import ImdbNgramNB, build_model, model_args
from ..predict import Predictor
from ..train import evaluate, stack_decision
from .sequence import Padded, SequencePredictor, build_sequence_model
from .snippets import with_snippets
from .table_files import read_split
from .threshold import threshold_decision

Decide = Callable[[Predictor, Reviews | None, int], dict[str, Any]]


@dataclass(frozen=True)
class Family:
    """How train and predict feed a kind of model: token ids -> inputs -> module -> predictor."""

    build: Callable[[dict[str, Any]], nn.Module]  # model.json's model_args -> the module
    inputs: Callable[[Encoded, dict[str, Any]], Any]  # token ids -> what TensorBatches cuts
    predictor: type[Predictor]


NGRAM_NB = Family(
    build_model,
    lambda ids, args: ngram_features(ids, args["vocab_size"], args["num_buckets"]),
    Predictor,
)
SEQUENCE = Family(build_sequence_model, lambda ids, args: Padded(ids), SequencePredictor)


def family_for(name: str) -> Family:
    return NGRAM_NB if name == "ngram_nb" else SEQUENCE


def decision_for(model_cfg: ModelConfig) -> Decide:
    """The lexicon stack, or with --no-lexicon (the sequence models' default) a threshold."""
    return stack_decision if model_cfg.lexicon_stack else threshold_decision


def make_loaders(
    cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig, generator: torch.Generator
) -> tuple[Loaders, dict[str, Any], int]:
    """`data.make_loaders` with the options' reviews, snippets and inputs; also the model's
    arguments and how many whole reviews (before the snippets) it trains on."""
    seed, n, family = train_cfg.seed, train_cfg.max_samples, family_for(model_cfg.name)
    train, val = split_train_val(take_ends(read_split(cfg, "train"), n), cfg.val_fraction, seed)
    test = take_ends(read_split(cfg, "test"), n) if val is None else None
    tokenizer = train_tokenizer(train.texts, cfg.vocab_size, cfg.min_frequency)
    num_reviews, train = len(train.labels), with_snippets(train, cfg, seed)
    args = model_args(model_cfg, tokenizer.get_vocab_size())

    def batches(reviews: Reviews, gen: torch.Generator | None = None) -> TensorBatches:
        inputs = family.inputs(encode(tokenizer, reviews.texts, cfg.max_tokens), args)
        size = train_cfg.batch_size if gen is not None else max(train_cfg.batch_size, 512)
        y = torch.from_numpy(reviews.labels.astype(np.float32))
        return TensorBatches(inputs, y, size, gen)

    train_batches = batches(train, generator)
    val_batches, test_batches = (batches(r) if r is not None else None for r in (val, test))
    return Loaders(train_batches, val_batches, test_batches, tokenizer, val), args, num_reviews


def prepare(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig
) -> tuple[Loaders, nn.Module, dict[str, Any]]:
    """`train.prepare` for either family; n-gram ratios come from the whole reviews only."""
    generator = seed_everything(train_cfg.seed)
    loaders, args, n = make_loaders(data_cfg, model_cfg, train_cfg, generator)
    model, x = family_for(model_cfg.name).build(args), loaders.train.x
    if isinstance(model, ImdbNgramNB) and train_cfg.resume is None:
        whole = Encoded(x.ids[: x.offsets[n]], x.offsets[: n + 1])
        model.set_ratios(whole, loaders.train.y[:n].numpy(), model_cfg.min_ngram_reviews)
    meta = {"app": APP, "model": model_cfg.name, "model_args": args, "classes": list(CLASSES)}
    meta |= {"max_tokens": data_cfg.max_tokens, "threshold": 0.5, "num_train_reviews": n}
    return loaders, model, meta | {"num_train_snippets": len(loaders.train.y) - n}


def fit_loaders(
    model: nn.Module,
    loaders: Loaders,
    train_cfg: TrainConfig,
    options: LoopOptions,
    loop: TrainingLoop = fit_keras_model,
) -> Any:
    """`train.fit_loaders`, with --weight-decay for the sequence models (none on n-grams)."""
    options, val = pick_validation(options, loaders.val, loaders.test)
    decay = 0.0 if isinstance(model, ImdbNgramNB) else train_cfg.weight_decay
    optimizer = torch.optim.AdamW(model.parameters(), train_cfg.lr, weight_decay=decay, fused=True)
    epochs, metrics, loss = train_cfg.effective_epochs, binary_metrics(), nn.BCEWithLogitsLoss()
    return loop(model, loss, optimizer, loaders.train, val, epochs, metrics, None, options)


def fit_held_out(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    loop: TrainingLoop = fit_keras_model,
) -> tuple[nn.Module, Loaders, dict[str, Any]]:
    """The model fitted in memory on train less `threshold_fraction` (the test unread)."""
    cfg = dataclasses.replace(data_cfg, val_fraction=data_cfg.threshold_fraction)
    loaders, model, meta = prepare(cfg, model_cfg, train_cfg)
    options = LoopOptions.from_config(train_cfg, pick_device(train_cfg.device), progress=False)
    options.monitor = None  # same epochs as the real run: the last one
    fit_loaders(model, loaders, train_cfg, options, loop)
    return model, loaders, meta


def fitted_predictor(model: nn.Module, loaders: Loaders, meta: dict[str, Any]) -> Predictor:
    """A model fitted in memory as its family's predictor, on the CPU."""
    return family_for(meta["model"]).predictor(model.cpu(), loaders.tokenizer, meta)


def choose(
    data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig, loop: TrainingLoop
) -> dict[str, Any]:
    """The decision (stack or threshold) on the held-out part of a fit on the rest."""
    fresh = dataclasses.replace(train_cfg, resume=None)  # a new model, even on --resume
    model, loaders, meta = fit_held_out(data_cfg, model_cfg, fresh, loop)
    decide = decision_for(model_cfg)
    return decide(fitted_predictor(model, loaders, meta), loaders.val_reviews, train_cfg.seed)


def train(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    progress: bool = True,
    loop: TrainingLoop = fit_keras_model,
) -> RunResult:
    """`train.train` with the options' parts; the same run folder."""
    data_cfg, model_cfg, train_cfg = run_configs(data_cfg, model_cfg, train_cfg)
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
        predictor = fitted_predictor(model, loaders, meta)
        decision = decision or decision_for(model_cfg)(predictor, loaders.val_reviews, seed)
        write_model_meta(run_dir, meta | decision)
        train_seconds = time.perf_counter() - started
        predictor = fitted_predictor(model, loaders, meta | decision)
        test = take_ends(read_split(data_cfg, "test"), train_cfg.max_samples)
        scores = {k: v for k, v in evaluate(run_dir, predictor, test).items() if k != "num_samples"}
        test_metrics = scores | {"threshold": decision["threshold"]}
        finish_run(run_dir, history.records, test_metrics | {"train_seconds": train_seconds})
    return RunResult(run_dir, test_metrics, history.records, train_seconds)
