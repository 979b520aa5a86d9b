"""Part of step 1 of 6, prepare the data: raw reviews -> token ids -> n-gram features.

    refapps imdb train      # fits the tokenizer on the training split, saves tokenizer.json

A Hugging Face `tokenizers` WordLevel tokenizer: drop `<br />`, NFKC, lowercase, and read
tokenised text's "do n't" as "don't" (so tokenised and raw text read alike); the vocabulary is
learned on the training split only and saved in the run, so predict tokenises as training did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, trainers

from common.batches import TensorBatches
from common.errors import CheckpointError

PAD, UNK = "[PAD]", "[UNK]"
PAD_ID, UNK_ID = 0, 1
TOKENIZER_FILE = "tokenizer.json"


def train_tokenizer(texts: list[str], vocab_size: int, min_frequency: int) -> Tokenizer:
    """Learn a word vocabulary from `texts` (the training split only: no test words leak in)."""
    tokenizer = Tokenizer(models.WordLevel(unk_token=UNK))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(r"<br\s*/?>"), " "),
            normalizers.NFKC(),
            normalizers.Lowercase(),
            normalizers.Replace("\u2019", "'"),  # typographic apostrophe
            normalizers.Replace(Regex(r" n ?'t\b"), "n't"),  # tokenised "do n't" -> "don't"
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()  # words and runs of punctuation
    trainer = trainers.WordLevelTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=[PAD, UNK]
    )
    tokenizer.train_from_iterator(texts, trainer)
    return tokenizer


def load_tokenizer(run_dir: Path) -> Tokenizer:
    path = Path(run_dir) / TOKENIZER_FILE
    try:
        return Tokenizer.from_file(str(path))
    except Exception as err:  # tokenizers raises plain Exceptions for missing or bad JSON
        raise CheckpointError(f"{path} is missing or not a tokenizer file; retrain.") from err


@dataclass
class Encoded:
    """Token ids of many reviews, stored flat: review i is `ids[offsets[i]:offsets[i + 1]]`."""

    ids: np.ndarray  # (total_tokens,) int64
    offsets: np.ndarray  # (num_reviews + 1,) int64

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)


def encode(tokenizer: Tokenizer, texts: list[str], max_tokens: int) -> Encoded:
    """Batch-encode (all cores, truncated to `max_tokens`); padding happens per batch later."""
    tokenizer.enable_truncation(max_tokens)
    tokenizer.no_padding()
    encodings = tokenizer.encode_batch_fast(texts)
    lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
    ids = np.fromiter((i for e in encodings for i in e.ids), dtype=np.int64, count=lengths.sum())
    return Encoded(ids, np.concatenate([[0], np.cumsum(lengths)]))


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


class Rows:
    """Inputs cut by row for `common.batches.TensorBatches`: `rows[index]` is one model input."""

    def __init__(self, inputs: Encoded, cut: Callable[[Encoded, np.ndarray], Any]) -> None:
        self.inputs, self.cut = inputs, cut

    def __getitem__(self, index: slice | torch.Tensor) -> Any:
        rows = np.arange(len(self.inputs))[index] if isinstance(index, slice) else index.numpy()
        return self.cut(self.inputs, rows)


def review_batches(
    inputs: Encoded,
    labels: np.ndarray,
    batch_size: int,
    cut: Callable[[Encoded, np.ndarray], Any],
    generator: torch.Generator | None = None,
) -> TensorBatches:
    """(x, y) batches, shuffled by `generator` (resumable), in order without one."""
    y = torch.from_numpy(labels.astype(np.float32))
    return TensorBatches(Rows(inputs, cut), y, batch_size, generator)  # type: ignore[arg-type]


def bag_batch(features: Encoded, rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """The `rows` of `features` as one flat (features, offsets) pair, ngram_nb's input."""
    starts, ends = features.offsets[rows], features.offsets[rows + 1]
    parts = [features.ids[s:e] for s, e in zip(starts, ends, strict=True)]
    flat = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(ends - starts)[:-1]])
    return torch.from_numpy(flat), torch.from_numpy(offsets.astype(np.int64))
