"""Part of steps 3 and 4 of 6, train and evaluate: the lexicon stack, three numbers that combine
the model's logit with VADER's score (Hutto & Gilbert 2014: English sentiment words, which short
texts from elsewhere need) for texts under 50 words and three for longer ones, fitted on
held-out train and the CR choosing set (studies/imdb/README.md, sixth round)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from common.cache import cached_scores
from common.data import data_root, fetch_verified
from common.errors import CheckpointError, DataNotFoundError
from common.files import atomic_write

from .data import Reviews

SENTENCE_END = re.compile(r"(?<=[.!?])\s+|<br\s*/?>", re.IGNORECASE)
MIN_WORDS = 3  # "Wow." alone says little; shorter pieces are not used
SHORT_WORDS = 50  # texts under this many words are decided by the short texts' stack
CR_URL = (  # Hu & Liu's sentences as the sentence-classification papers share them
    "https://raw.githubusercontent.com/harvardnlp/sent-conv-torch/"
    "7917668a7bf647fc9e7b02bdbc40d8ab5567ea67/data/custrev."
)
CR_SHA256 = {
    "pos": "15eeb0b9424043bb3755488e2d8ed97bdaeba464a5c230f213bad075125d2192",
    "neg": "8f29d7fa39f9862764b71f36b193f0674e0056287ffc5bf170edf6db42cc8f83",
}


def choosing_set() -> Reviews:
    """CR (Hu & Liu 2004): 3,765 one-sentence product reviews, positives first, for fitting the
    stack only (never trained on); fetched and converted to `text,label` rows when missing."""
    path = data_root() / "imdb" / "select" / "customer_reviews.csv"
    if not path.is_file():
        rows: dict[str, int] = {}  # text -> label, first copy kept: 6 lines repeat
        for label, name in ((1, "pos"), (0, "neg")):
            raw = fetch_verified(CR_URL + name, CR_SHA256[name], path.with_name("custrev." + name))
            for line in raw.read_text(encoding="utf-8").split("\n"):
                if text := " ".join(html.unescape(line).split()):
                    rows.setdefault(text, label)
        frame = pd.DataFrame({"text": list(rows), "label": list(rows.values())})
        atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))
    frame = pd.read_csv(path, dtype={"text": str}, keep_default_na=False)
    if list(frame.columns) != ["text", "label"] or not frame["label"].isin([0, 1]).all():
        raise DataNotFoundError(f"{path} is not CR's text,label rows: delete it to fetch it again.")
    frame = frame.sort_values("label", ascending=False, kind="stable")  # positives first
    return Reviews(frame["text"].tolist(), frame["label"].to_numpy(np.int64))


def vader_compound(texts: list[str]) -> list[float]:
    """VADER's compound score of each text, in -1..1 (about 4 ms for a whole review)."""
    analyzer = SentimentIntensityAnalyzer()
    return [analyzer.polarity_scores(t.replace("<br />", " "))["compound"] for t in texts]


def lexicon_scores(texts: list[str]) -> np.ndarray:
    """(N,) compound scores; long lists are scored on every core and cached by their text."""
    return cached_scores("imdb", "vader", vader_compound, texts)


@dataclass(frozen=True)
class Stack:
    """P(positive) = sigmoid(w0 * the model's logit + w1 * VADER's score + w2), with w = `short`
    for texts under `short_words` words and `long` for the others."""

    short: tuple[float, ...]  # on the model's logit, on VADER's score, and the bias
    long: tuple[float, ...]
    short_words: int = SHORT_WORDS

    def logits(self, model_logits: Any, compound: np.ndarray, texts: list[str]) -> np.ndarray:
        short = np.array([len(t.split()) < self.short_words for t in texts], dtype=bool)
        w = np.where(short[:, None], self.short, self.long).reshape(-1, 3)  # (N, 3)
        return w[:, 0] * np.asarray(model_logits) + w[:, 1] * compound + w[:, 2]

    @classmethod
    def from_json(cls, value: Any, where: Path) -> Stack:
        """Refuse anything but finite numbers (model.json may have been edited)."""
        if isinstance(value, dict) and set(value) == {"ngram", "lexicon", "bias"}:
            one = [value["ngram"], value["lexicon"], value["bias"]]  # a run before round six
            value = {"short": one, "long": one, "short_words": 0}
        try:
            short, long, words = value["short"], value["long"], value["short_words"]
            numbers = [*short, *long, words]
            ok = len(short) == len(long) == 3 and type(words) is int
            ok = ok and all(type(v) in (int, float) and abs(v) < 1e6 for v in numbers)
        except (TypeError, KeyError):
            ok = False
        if ok:
            return cls(tuple(map(float, short)), tuple(map(float, long)), words)
        raise CheckpointError(
            f"{where}: 'stack' must hold 'short' and 'long' (three finite numbers each) and "
            f"'short_words' (got {value!r}); the file was edited or is damaged: train again."
        )


def fit_stack(
    model_logits: np.ndarray,
    compound: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    texts: list[str],
    short_words: int = SHORT_WORDS,
) -> Stack:
    """Weighted logistic regressions on the two scores, one on the rows under `short_words`
    words and one on the rest (a group lacking a class takes all rows; weights: `group_weights`)."""
    from sklearn.linear_model import LogisticRegression

    x = np.column_stack([np.asarray(model_logits, dtype=np.float64), compound])
    short = np.array([len(t.split()) < short_words for t in texts], dtype=bool)

    def fit(rows: np.ndarray) -> tuple[float, ...]:
        rows = rows if len(np.unique(labels[rows])) == 2 else np.ones_like(rows)
        w = weights[rows] * rows.sum() / weights[rows].sum()  # mean 1: C keeps its sense
        fitted = LogisticRegression(C=1.0).fit(x[rows], labels[rows], sample_weight=w)
        return (*map(float, fitted.coef_[0]), float(fitted.intercept_[0]))

    return Stack(fit(short), fit(~short), short_words)


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


def group_weights(*sizes: int) -> np.ndarray:
    """Row weights that give each group of consecutive rows the same say."""
    return np.concatenate([np.full(n, 1 / (len(sizes) * max(n, 1))) for n in sizes])
