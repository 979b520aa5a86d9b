"""Step 2 of 6, define the model: `ngram_nb`, NBSVM as a network (Wang & Manning 2012): each
unigram, hashed bigram and trigram f has a weight w_f and a ratio r_f that starts at its
naive-Bayes log-count ratio; logit = sum_f w_f * r_f / 10 + b (no sigmoid).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .data import Encoded


class ImdbNgramNB(nn.Module):
    """(features (F,), offsets (B,)) -> (B,) logits; plain vectors indexed by feature id,
    whose backward (a scatter-add) is several times faster on CPU than `nn.EmbeddingBag`'s."""

    def __init__(
        self, num_features: int, dropout: float = 0.0, w_init: float = 0.4, r_scale: float = 10.0
    ) -> None:
        super().__init__()
        self.dropout, self.r_scale = dropout, r_scale
        self.w = nn.Parameter(torch.empty(num_features).uniform_(w_init - 0.1, w_init + 0.1))
        self.r = nn.Parameter(torch.zeros(num_features))
        self.bias = nn.Parameter(torch.zeros(1))
        # n-grams seen in few training reviews are noise the model would memorise
        self.register_buffer("keep", torch.ones(num_features, dtype=torch.bool))

    def set_ratios(self, ratios: np.ndarray, keep: np.ndarray) -> None:
        """Start r at the naive-Bayes log-count ratios of the training split."""
        with torch.no_grad():
            self.r.copy_(torch.from_numpy(ratios))
            self.keep.copy_(torch.from_numpy(keep))

    def forward(self, x: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        features, offsets = x
        sizes = torch.diff(offsets, append=offsets.new_tensor([len(features)]))
        review = torch.repeat_interleave(torch.arange(len(offsets), device=offsets.device), sizes)
        kept = self.keep[features]
        features, review = features[kept], review[kept]
        contributions = self.w[features] * self.r[features]  # (F,)
        if self.training and self.dropout > 0:  # drop whole n-grams, as word dropout does
            contributions = nn.functional.dropout(contributions, self.dropout)
        z = contributions.new_zeros(len(offsets)).index_add(0, review, contributions)  # (B,)
        return z / self.r_scale + self.bias


def ngram_features(encoded: Encoded, vocab_size: int, num_buckets: int) -> Encoded:
    """Binarised unigram ids, then bigrams and trigrams hashed to `vocab_size + key % buckets`."""
    ids, v = encoded.ids, vocab_size
    review = np.repeat(np.arange(len(encoded), dtype=np.int64), encoded.lengths)
    same1 = review[1:] == review[:-1]  # token i and i+1 are in the same review
    same2 = same1[:-1] & same1[1:]
    bigram = ids[:-1] * v + ids[1:]
    trigram = v * v + bigram[:-1] * v + ids[2:]
    features = np.concatenate(
        [ids, v + bigram[same1] % num_buckets, v + trigram[same2] % num_buckets]
    )
    owners = np.concatenate([review, review[:-1][same1], review[:-2][same2]])
    num_features = v + num_buckets
    keys = np.sort(owners * num_features + features)  # np.sort + mask: far faster than np.unique
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys
    owners = keys // num_features
    counts = np.bincount(owners, minlength=len(encoded))
    return Encoded(keys - owners * num_features, np.concatenate([[0], np.cumsum(counts)]))


def nb_log_ratios(
    features: Encoded, labels: np.ndarray, num_features: int, min_reviews: int = 16
) -> tuple[np.ndarray, np.ndarray]:
    """Naive-Bayes log-count ratios (add-one smoothing), and the features in >= `min_reviews`."""
    owners = np.repeat(labels, features.lengths)
    pos = np.bincount(features.ids[owners == 1], minlength=num_features)
    neg = np.bincount(features.ids[owners == 0], minlength=num_features)
    ratios = np.log(
        ((pos + 1.0) / (pos.sum() + num_features)) / ((neg + 1.0) / (neg.sum() + num_features))
    )
    return ratios.astype(np.float32), (pos + neg) >= min_reviews


def bag_batch(features: Encoded, rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """The `rows` of `features` as one flat (features, offsets) pair, ngram_nb's input."""
    starts, ends = features.offsets[rows], features.offsets[rows + 1]
    parts = [features.ids[s:e] for s, e in zip(starts, ends, strict=True)]
    flat = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(ends - starts)[:-1]])
    return torch.from_numpy(flat), torch.from_numpy(offsets.astype(np.int64))


def build_model(args: dict[str, Any]) -> nn.Module:
    return ImdbNgramNB(args["vocab_size"] + args["num_buckets"], args["dropout"])


def ngram_inputs(encoded: Encoded, args: dict[str, Any]) -> Encoded:
    return ngram_features(encoded, args["vocab_size"], args["num_buckets"])


@dataclass(frozen=True)
class Family:
    """How train and predict feed a kind of model: token ids -> inputs -> batches -> module."""

    names: tuple[str, ...]  # the --model values it serves
    build: Callable[[dict[str, Any]], nn.Module]  # model.json's model_args -> the module
    inputs: Callable[[Encoded, dict[str, Any]], Encoded]  # token ids -> what batches cut
    batch: Callable[[Encoded, np.ndarray], Any]  # rows of those inputs -> the model's input
    naive_bayes: bool  # starts from NB ratios; its sparse tables get no weight decay


NGRAM_NB = Family(("ngram_nb",), build_model, ngram_inputs, bag_batch, naive_bayes=True)
