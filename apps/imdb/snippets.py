"""Short texts cut from reviews: what people type on the page is one or two sentences.

    refapps imdb train --snippets-per-review 1     # train on whole reviews plus snippets

`sample_snippets` cuts random runs of 1-3 consecutive sentences out of training reviews,
each labelled with its review's label, so the model also learns from short inputs.
`sample_sentences` cuts single sentences out of held-out reviews: a short-text validation
set built from IMDB training data only (never the test reviews, never other sites' files).
"""

from __future__ import annotations

import re

import numpy as np

from .data import Reviews

SENTENCE_END = re.compile(r"(?<=[.!?])\s+|<br\s*/?>", re.IGNORECASE)
MIN_WORDS = 3  # "Wow." alone says little; shorter pieces are not used as snippets


def split_sentences(text: str) -> list[str]:
    """Sentences of a review (split after . ! ? and at <br /> tags), of at least 3 words."""
    pieces = (piece.strip() for piece in SENTENCE_END.split(text))
    return [piece for piece in pieces if len(piece.split()) >= MIN_WORDS]


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


def sample_sentences(reviews: Reviews, per_review: int, rng: np.random.Generator) -> Reviews:
    """Up to `per_review` distinct single sentences of each review, labelled by the review."""
    texts: list[str] = []
    labels: list[int] = []
    for text, label in zip(reviews.texts, reviews.labels, strict=True):
        sentences = split_sentences(text)
        for i in rng.permutation(len(sentences))[:per_review]:
            texts.append(sentences[i])
            labels.append(int(label))
    return Reviews(texts, np.array(labels, dtype=np.int64))


def with_snippets(reviews: Reviews, per_review: int, seed: int) -> Reviews:
    """The reviews followed by their snippets (the reviews unchanged when `per_review` is 0)."""
    if per_review == 0:
        return reviews
    extra = sample_snippets(reviews, per_review, np.random.default_rng(seed))
    return Reviews(reviews.texts + extra.texts, np.concatenate([reviews.labels, extra.labels]))
