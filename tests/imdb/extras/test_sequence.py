"""--model bilstm | tutorial_cnn: logits on padded batches; trained and used through dispatch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from apps.imdb.config import ModelConfig
from apps.imdb.data import PAD_ID, Encoded
from apps.imdb.dispatch import open_predictor, train_for
from apps.imdb.extras.sequence import NAMES, ImdbTutorialCNN, build_sequence_model, pad_batch
from apps.imdb.model import model_args
from apps.imdb.predict import load_predictor
from apps.imdb.train import train
from common.errors import CheckpointError, UserError
from common.training.styles import loop_named

VOCAB = 50


def batch(longest: int = 300) -> torch.Tensor:
    lengths = np.array([7, 0, longest, 2])  # an empty review, and one longer than the CNN's 200
    ids = np.random.default_rng(0).integers(2, VOCAB, lengths.sum())
    return pad_batch(Encoded(ids, np.concatenate([[0], np.cumsum(lengths)])), np.arange(4))


def build(name: str, **overrides: Any) -> torch.nn.Module:
    cfg = ModelConfig(name=name, embed_dim=8, hidden=8, num_buckets=101, **overrides)
    return build_sequence_model(model_args(cfg, VOCAB))


def test_pad_batch_pads_to_the_longest_review() -> None:
    padded = batch(longest=5)
    assert padded.shape == (4, 7)
    assert (padded[1] == PAD_ID).all()


@pytest.mark.parametrize("name", NAMES)
def test_model_returns_one_finite_logit_per_review(name: str) -> None:
    torch.manual_seed(0)
    logits = build(name).eval()(batch())
    assert logits.shape == (4,)
    assert torch.isfinite(logits).all()


@pytest.mark.parametrize("name", NAMES)
def test_model_overfits_a_tiny_batch(name: str) -> None:
    torch.manual_seed(0)
    model = build(name, dropout=0.0)
    x, y = batch(longest=20), torch.tensor([1.0, 0.0, 1.0, 0.0])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    first = loss_fn(model(x), y).item()
    for _ in range(40):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    assert loss.item() < first / 2


def test_tutorial_cnn_reads_the_last_tokens_of_a_review() -> None:
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


@pytest.mark.parametrize("model", NAMES)
def test_sequence_models_train_with_other_loops(
    model: str, data_root: Path, tmp_path: Path, tiny: Any
) -> None:
    data_cfg, model_cfg, train_cfg = tiny(tmp_path, model, loop="script", dry_run=True)
    with pytest.raises(UserError, match="dispatch"):  # the reading path alone refuses the option
        train(data_cfg, model_cfg, train_cfg, progress=False)
    run = train_for(data_cfg, model_cfg)
    result = run(data_cfg, model_cfg, train_cfg, progress=False, loop=loop_named(train_cfg.loop))
    assert len(result.history) == 1
    assert "test/accuracy" in result.history[0]  # no validation split: the curve is test's
    assert not any(key.startswith("val/") for key in result.history[0])
    assert open_predictor(result.run_dir).predict(["fine"])[0].label in ("negative", "positive")
    with pytest.raises(CheckpointError, match=model):  # the default loader names the model
        load_predictor(result.run_dir)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_bilstm_trains_on_cuda_with_bf16(data_root: Path, tmp_path: Path, tiny: Any) -> None:
    data_cfg, model_cfg, train_cfg = tiny(tmp_path, "bilstm", device="cuda", amp=True)
    result = train_for(data_cfg, model_cfg)(data_cfg, model_cfg, train_cfg, progress=False)
    assert 0.0 <= result.metrics["test/accuracy"] <= 1.0
    assert open_predictor(result.run_dir).predict(["great"])[0].label in ("negative", "positive")
