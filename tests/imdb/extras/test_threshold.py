"""--no-lexicon: the decision threshold, chosen on held-out reviews and their sentences."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from apps.imdb.config import ModelConfig
from apps.imdb.dispatch import open_predictor, train_for
from apps.imdb.extras.threshold import choose_threshold, sigmoid
from apps.imdb.stack import group_weights
from apps.imdb.train import train
from common.errors import UserError


def test_reviews_and_sentences_get_half_the_say_each() -> None:
    weights = group_weights(2, 4)
    assert weights.tolist() == [0.25, 0.25, 0.125, 0.125, 0.125, 0.125]
    # The two reviews want a threshold above 0.55, the four sentences one below 0.4.
    # Unweighted, the sentences win; weighted equally, both tie and 0.56 is nearest 0.5.
    probs = np.array([0.55, 0.65, 0.3, 0.35, 0.4, 0.45])
    labels = np.array([0, 1, 0, 0, 1, 1])
    assert choose_threshold(probs, labels, weights) == 0.5  # 6 rows: any gain is noise
    probs, labels, weights = np.tile(probs, 50), np.tile(labels, 50), np.tile(weights, 50)
    assert choose_threshold(probs, labels) == pytest.approx(0.40)
    assert choose_threshold(probs, labels, weights) == pytest.approx(0.56)


def test_a_threshold_within_noise_of_the_best_becomes_0_5() -> None:
    probs = np.r_[np.linspace(0.05, 0.45, 2000), 0.505, np.linspace(0.55, 0.95, 2000)]
    labels = np.r_[np.zeros(2001), np.ones(2000)]
    assert choose_threshold(probs, labels) == 0.5  # 0.51 fixes one row in 4,001: noise
    assert choose_threshold(probs + 0.15, labels) > 0.6  # a real shift is still followed
    small, small_labels = np.array([0.1, 0.3, 0.62, 0.65, 0.9]), np.array([0, 0, 0, 1, 1])
    assert choose_threshold(small, small_labels) == 0.5  # five rows: the gain is within noise
    assert choose_threshold(np.tile(small, 40), np.tile(small_labels, 40)) == pytest.approx(0.63)


def test_sigmoid_maps_logits_to_probabilities() -> None:
    assert sigmoid(np.array([0.0, 100.0, -100.0])).tolist() == pytest.approx([0.5, 1.0, 0.0])


def test_no_lexicon_keeps_the_model_alone_with_a_held_out_threshold(
    data_root: Path, tmp_path: Path, tiny: Any
) -> None:
    data_cfg, model_cfg, train_cfg = tiny(tmp_path, epochs=1)
    model_cfg = dataclasses.replace(model_cfg, lexicon_stack=False)
    with pytest.raises(UserError, match="dispatch"):  # the reading path alone would fit a stack
        train(data_cfg, model_cfg, train_cfg, progress=False)
    result = train_for(data_cfg, model_cfg)(data_cfg, model_cfg, train_cfg, progress=False)
    meta = json.loads((result.run_dir / "model.json").read_text())
    assert "stack" not in meta
    assert 0.2 <= meta["threshold"] <= 0.8
    assert open_predictor(result.run_dir).stack is None
    assert ModelConfig(name="tutorial_cnn").lexicon_stack is False  # the tutorial's model alone
    assert ModelConfig().lexicon_stack is True
