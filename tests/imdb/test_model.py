"""The default model: logits of shape (B,) on n-gram batches, an empty review included."""

from __future__ import annotations

import numpy as np
import torch

from apps.imdb.config import ModelConfig
from apps.imdb.data import Encoded, ngram_features
from apps.imdb.model import build_model, model_args

VOCAB = 50


def batch(args: dict, longest: int = 300) -> tuple:
    lengths = np.array([7, 0, longest, 2])  # an empty review, and a long one
    ids = np.random.default_rng(0).integers(2, VOCAB, lengths.sum())
    encoded = Encoded(ids, np.concatenate([[0], np.cumsum(lengths)]))
    return ngram_features(encoded, args["vocab_size"], args["num_buckets"])[0:4]


def test_model_returns_one_finite_logit_per_review() -> None:
    torch.manual_seed(0)
    args = model_args(ModelConfig(num_buckets=101), VOCAB)
    model = build_model(args).eval()
    logits = model(batch(args))
    assert logits.shape == (4,)
    assert torch.isfinite(logits).all()


def test_model_overfits_a_tiny_batch() -> None:
    torch.manual_seed(0)
    args = model_args(ModelConfig(num_buckets=101, dropout=0.0), VOCAB)
    model = build_model(args)
    x, y = batch(args, longest=20), torch.tensor([1.0, 0.0, 1.0, 0.0])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    first = loss_fn(model(x), y).item()
    for _ in range(40):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    assert loss.item() < first / 2


def test_nb_ratios_start_the_model_and_rare_ngrams_are_ignored() -> None:
    args = model_args(ModelConfig(num_buckets=101, dropout=0.0), VOCAB)
    model = build_model(args).eval()
    # feature 5 in two positive reviews, feature 6 in one negative review (rare: ignored)
    features = Encoded(np.array([5, 5, 6]), np.array([0, 1, 2, 3]))
    model.set_ratios(features, np.array([1, 1, 0]), min_reviews=2)
    assert model.r[5] > 0 > model.r[6]
    assert model.keep[5]
    assert not model.keep[6]
    with torch.no_grad():
        logits = model((torch.tensor([5, 6]), torch.tensor([0, 1])))
    assert logits[0] > logits[1] == model.bias
