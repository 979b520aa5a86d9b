"""refapps bench imdb: the baselines a practitioner would try first, beside the app's model.

    refapps bench imdb --json

- `tfidf_logreg`: scikit-learn TF-IDF uni+bigrams and logistic regression (C=8).
- `nbsvm_logreg`: binarised uni+bigrams scaled by naive-Bayes log-count ratios, then logistic
  regression (C=0.1), after Wang & Manning (2012).
- `vader`: the VADER lexicon (Hutto & Gilbert 2014), no training; positive when the
  compound score is >= 0.05, the authors' own cut-off.

Each returns a `Baseline`: a function from texts to P(positive) and its fitting time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data import Reviews

VADER_POSITIVE = 0.05


@dataclass
class Baseline:
    name: str
    predict_proba: Callable[[list[str]], np.ndarray]  # texts -> (N,) P(positive)
    train_seconds: float | None  # None: nothing is trained


def _clean(texts: list[str]) -> list[str]:
    return [t.replace("<br />", " ") for t in texts]


def fit_linear(name: str, train: Reviews, min_df: int) -> Baseline:
    """TF-IDF + logistic regression, or NBSVM (binary counts scaled by NB log-count ratios)."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    started = time.perf_counter()
    texts = _clean(train.texts)
    scale: Any = None
    if name == "tfidf_logreg":
        vectorizer: Any = TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, max_features=400_000)
        x, c = vectorizer.fit_transform(texts), 8.0
    else:
        vectorizer = CountVectorizer(ngram_range=(1, 2), min_df=min_df, binary=True)
        x = vectorizer.fit_transform(texts)
        pos = np.asarray(x[train.labels == 1].sum(0)).ravel() + 1.0
        neg = np.asarray(x[train.labels == 0].sum(0)).ravel() + 1.0
        scale = np.log((pos / pos.sum()) / (neg / neg.sum()))
        x, c = x.multiply(scale).tocsr(), 0.1
    model = LogisticRegression(C=c, max_iter=1000).fit(x, train.labels)
    seconds = time.perf_counter() - started

    def predict_proba(new_texts: list[str]) -> np.ndarray:
        x_new = vectorizer.transform(_clean(new_texts))
        if scale is not None:
            x_new = x_new.multiply(scale).tocsr()
        return model.predict_proba(x_new)[:, 1]

    return Baseline(name, predict_proba, seconds)


def vader() -> Baseline:
    """VADER's compound score mapped to [0, 1] so that its cut-off 0.05 sits at 0.525."""
    from ..stack import lexicon_scores  # long lists: scored on every core, cached on disk

    def predict_proba(texts: list[str]) -> np.ndarray:
        return (lexicon_scores(texts) + 1.0) / 2.0

    return Baseline("vader", predict_proba, None)


VADER_THRESHOLD = (VADER_POSITIVE + 1.0) / 2.0  # compound >= 0.05 <=> probability >= 0.525
