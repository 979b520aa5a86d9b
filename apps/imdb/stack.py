"""Part of steps 3 and 4 of 6, train and evaluate: the lexicon stack, three numbers that combine
the model's logit with VADER's score (Hutto & Gilbert 2014: English sentiment words, which short
texts from elsewhere need), fitted on held-out train (studies/imdb/README.md).
"""

from __future__ import annotations

import hashlib
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from common.data import cache_dir
from common.errors import CheckpointError
from common.files import atomic_write

from .data import Reviews

SENTENCE_END = re.compile(r"(?<=[.!?])\s+|<br\s*/?>", re.IGNORECASE)
MIN_WORDS = 3  # "Wow." alone says little; shorter pieces are not used
CACHED_FROM = 1000  # lists this long (a test folder, a held-out set) are scored once, on disk


def vader_compound(texts: list[str]) -> list[float]:
    """VADER's compound score of each text, in -1..1 (about 4 ms for a whole review)."""
    analyzer = SentimentIntensityAnalyzer()
    return [analyzer.polarity_scores(t.replace("<br />", " "))["compound"] for t in texts]


def lexicon_scores(texts: list[str]) -> np.ndarray:
    """(N,) compound scores; long lists are scored on every core and cached by their text."""
    if len(texts) < CACHED_FROM:
        return np.array(vader_compound(texts), dtype=np.float64).reshape(-1)
    digest = hashlib.sha256("\0".join(texts).encode("utf-8", "surrogatepass")).hexdigest()
    path = cache_dir("imdb") / f"vader-{digest[:24]}.f64"
    if path.is_file() and path.stat().st_size == 8 * len(texts):
        return np.fromfile(path, dtype=np.float64)
    workers = os.cpu_count() or 1
    size = -(-len(texts) // (4 * workers))  # 4 chunks a worker: an even finish
    with ProcessPoolExecutor(workers) as pool:
        parts = pool.map(vader_compound, [texts[i : i + size] for i in range(0, len(texts), size)])
        scores = np.array([s for part in parts for s in part], dtype=np.float64)
    atomic_write(path, lambda tmp: tmp.write_bytes(scores.tobytes()))
    return scores


@dataclass(frozen=True)
class Stack:
    """P(positive) = sigmoid(ngram * the model's logit + lexicon * VADER's score + bias)."""

    ngram: float
    lexicon: float
    bias: float

    def logits(self, model_logits: np.ndarray, compound: np.ndarray) -> np.ndarray:
        return self.ngram * np.asarray(model_logits) + self.lexicon * compound + self.bias

    @classmethod
    def from_json(cls, value: Any, where: Path) -> Stack:
        """Refuse anything but three finite numbers (model.json may have been edited)."""
        names = list(cls.__dataclass_fields__)
        ok = isinstance(value, dict) and set(value) == set(names)
        if ok and all(type(v) in (int, float) and abs(v) < 1e6 for v in value.values()):
            return cls(*(float(value[k]) for k in names))
        raise CheckpointError(
            f"{where}: 'stack' must hold three finite numbers {', '.join(names)} "
            f"(got {value!r}); the file was edited or is damaged: train again."
        )


def fit_stack(
    model_logits: np.ndarray, compound: np.ndarray, labels: np.ndarray, weights: np.ndarray
) -> Stack:
    """Weighted logistic regression on the two scores (weights: see `group_weights`)."""
    from sklearn.linear_model import LogisticRegression

    x = np.column_stack([np.asarray(model_logits, dtype=np.float64), compound])
    weights = np.asarray(weights) * len(weights) / np.sum(weights)  # mean 1: C keeps its sense
    fitted = LogisticRegression(C=1.0).fit(x, labels, sample_weight=weights)
    return Stack(float(fitted.coef_[0, 0]), float(fitted.coef_[0, 1]), float(fitted.intercept_[0]))


def split_sentences(text: str) -> list[str]:
    """Sentences of a review (split after . ! ? and at <br /> tags), of at least 3 words."""
    pieces = (piece.strip() for piece in SENTENCE_END.split(text))
    return [piece for piece in pieces if len(piece.split()) >= MIN_WORDS]


def sample_sentences(reviews: Reviews, per_review: int, rng: np.random.Generator) -> Reviews:
    """Up to `per_review` distinct single sentences of each review, labelled by the review."""
    texts: list[str] = []
    labels: list[int] = []
    for text, label in zip(reviews.texts, reviews.labels, strict=True):
        sentences = split_sentences(text)
        texts += [sentences[i] for i in rng.permutation(len(sentences))[:per_review]]
        labels += [int(label)] * (len(texts) - len(labels))
    return Reviews(texts, np.array(labels, dtype=np.int64))


def group_weights(num_reviews: int, num_sentences: int) -> np.ndarray:
    """Row weights that give the held-out reviews and the sentences half the say each."""
    groups = [(n, 0.5 / n if n else 0.0) for n in (num_reviews, num_sentences)]
    return np.concatenate([np.full(n, w) for n, w in groups])
