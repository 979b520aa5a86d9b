"""Step 2 of 6, define the model: `ngram_nb`, NBSVM as a network (Wang & Manning 2012): each
unigram, hashed bigram and trigram f has a weight w_f and a ratio r_f that starts at its
naive-Bayes log-count ratio; logit = sum_f w_f * r_f / 10 + b (no sigmoid).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
import torch
from torch import nn

from .config import ModelConfig
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

    def set_ratios(self, features: Encoded, labels: np.ndarray, min_reviews: int) -> None:
        """Start r at the naive-Bayes log-count ratios of the training reviews (add-one
        smoothing); keep only the features seen in at least `min_reviews` of them."""
        owners, n = np.repeat(labels, features.lengths), len(self.r)
        pos = np.bincount(features.ids[owners == 1], minlength=n)
        neg = np.bincount(features.ids[owners == 0], minlength=n)
        ratios = np.log(((pos + 1.0) / (pos.sum() + n)) / ((neg + 1.0) / (neg.sum() + n)))
        with torch.no_grad():
            self.r.copy_(torch.from_numpy(ratios.astype(np.float32)))
            self.keep.copy_(torch.from_numpy((pos + neg) >= min_reviews))

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


def model_args(cfg: ModelConfig, vocab_size: int) -> dict[str, Any]:
    """The model's constructor arguments, as saved in model.json to rebuild it later."""
    return {"vocab_size": vocab_size, **asdict(cfg)}


def build_model(args: dict[str, Any]) -> ImdbNgramNB:
    return ImdbNgramNB(args["vocab_size"] + args["num_buckets"], args["dropout"])
