"""Each model: logits of shape (B,) on padded batches, an empty review included."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from apps.imdb.config import MODEL_NAMES, ModelConfig
from apps.imdb.model import INPUT_KIND, ImdbTutorialCNN, build_model, model_args
from apps.imdb.text import Encoded, batch_inputs, model_inputs

VOCAB = 50


def batch(name: str, longest: int = 300) -> tuple:
    lengths = np.array([7, 0, longest, 2])  # an empty review, and one longer than the CNN's 200
    ids = np.random.default_rng(0).integers(2, VOCAB, lengths.sum())
    encoded = Encoded(ids, np.concatenate([[0], np.cumsum(lengths)]))
    inputs = model_inputs(encoded, INPUT_KIND[name], VOCAB, 101)
    return batch_inputs(inputs, np.arange(4), INPUT_KIND[name])


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_returns_one_finite_logit_per_review(name: str) -> None:
    torch.manual_seed(0)
    model = build_model(
        model_args(ModelConfig(name=name, embed_dim=8, hidden=8, num_buckets=101), VOCAB)
    )
    model.eval()
    logits = model(batch(name))
    assert logits.shape == (4,)
    assert torch.isfinite(logits).all()


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_overfits_a_tiny_batch(name: str) -> None:
    torch.manual_seed(0)
    model = build_model(
        model_args(
            ModelConfig(name=name, embed_dim=8, hidden=8, num_buckets=101, dropout=0.0), VOCAB
        )
    )
    x, y = batch(name, longest=20), torch.tensor([1.0, 0.0, 1.0, 0.0])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    first = loss_fn(model(x), y).item()
    for _ in range(40):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    assert loss.item() < first / 2


def test_tutorial_cnn_reads_the_last_tokens_of_a_review():
    torch.manual_seed(0)
    model = ImdbTutorialCNN(vocab_size=50, embed_dim=4, num_tokens=16).eval()
    tail = torch.randint(2, 50, (16,))
    long_a = torch.cat([torch.randint(2, 50, (10,)), tail])[None]  # (1, 26)
    long_b = torch.cat([torch.randint(2, 50, (10,)), tail])[None]
    short = torch.tensor([[5, 6, 7]])
    padded_short = torch.tensor([[5, 6, 7, 0, 0, 0, 0, 0]])
    with torch.no_grad():
        assert torch.equal(model(long_a), model(long_b))  # only the last 16 tokens count
        assert torch.equal(model(short), model(padded_short))  # padding is ignored
