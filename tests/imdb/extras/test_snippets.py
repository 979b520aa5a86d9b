"""--snippets-per-review N: runs of consecutive sentences, after the whole reviews."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from apps.imdb.config import DataConfig
from apps.imdb.data import Reviews
from apps.imdb.dispatch import train_for
from apps.imdb.extras.snippets import sample_snippets, with_snippets
from apps.imdb.stack import split_sentences

REVIEW = "I loved it. The cast is great!<br /><br />Too long? No. The end is weak though."


def test_snippets_are_runs_of_consecutive_sentences_with_the_review_label() -> None:
    reviews = Reviews([REVIEW, "Awful film, truly bad. Never again, never."], np.array([1, 0]))
    snippets = sample_snippets(reviews, per_review=5, rng=np.random.default_rng(0))
    assert len(snippets.texts) == 10
    assert snippets.labels.tolist() == [1] * 5 + [0] * 5
    for text in snippets.texts[:5]:
        assert text in " ".join(split_sentences(REVIEW))  # runs of consecutive sentences
    both = with_snippets(reviews, DataConfig(snippets_per_review=1), seed=0)
    assert both.texts[:2] == reviews.texts  # whole reviews first, then their snippets
    assert len(both.texts) == 4
    assert with_snippets(reviews, DataConfig(), seed=0) is reviews


def test_train_with_snippets_counts_them_apart(data_root: Path, tmp_path: Path, tiny: Any) -> None:
    data_cfg, model_cfg, train_cfg = tiny(tmp_path, epochs=1)
    data_cfg = DataConfig(**{**data_cfg.__dict__, "snippets_per_review": 1})
    result = train_for(data_cfg, model_cfg)(data_cfg, model_cfg, train_cfg, progress=False)
    meta = json.loads((result.run_dir / "model.json").read_text())
    assert meta["num_train_reviews"] == 32
    assert meta["num_train_snippets"] > 0
