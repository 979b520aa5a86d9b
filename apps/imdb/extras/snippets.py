"""--snippets-per-review N: also train on short texts cut from the training reviews.

    refapps imdb train --snippets-per-review 1

What people type on the page is one or two sentences. `sample_snippets` cuts random runs of
1-3 consecutive sentences out of each training review, labelled with the review's label, so
the model also learns from short inputs. The tokenizer and the naive-Bayes ratios still
come from whole reviews only. Not the default: over eight held-out splits it did not beat
whole reviews (studies/imdb/README.md).
"""

from __future__ import annotations

import numpy as np

from ..config import DataConfig
from ..data import Reviews
from ..stack import split_sentences


def sample_snippets(
    reviews: Reviews, per_review: int, rng: np.random.Generator, max_sentences: int = 3
) -> Reviews:
    """`per_review` random runs of 1..`max_sentences` consecutive sentences from each review."""
    texts: list[str] = []
    labels: list[int] = []
    for text, label in zip(reviews.texts, reviews.labels, strict=True):
        sentences = split_sentences(text)
        if not sentences:
            continue
        for _ in range(per_review):
            size = int(rng.integers(1, max_sentences + 1))
            start = int(rng.integers(0, max(1, len(sentences) - size + 1)))
            texts.append(" ".join(sentences[start : start + size]))
            labels.append(int(label))
    return Reviews(texts, np.array(labels, dtype=np.int64))


def with_snippets(reviews: Reviews, cfg: DataConfig, seed: int) -> Reviews:
    """The reviews followed by `cfg.snippets_per_review` snippets of each (none when 0)."""
    if cfg.snippets_per_review == 0:
        return reviews
    extra = sample_snippets(reviews, cfg.snippets_per_review, np.random.default_rng(seed))
    return Reviews(reviews.texts + extra.texts, np.concatenate([reviews.labels, extra.labels]))
