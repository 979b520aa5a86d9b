"""Step 1b, the text pipeline: raw reviews -> token ids -> (for ngram_nb) n-gram features.

A Hugging Face `tokenizers` WordLevel tokenizer: the normaliser drops `<br />` tags, applies
Unicode NFKC and lowercases; the pre-tokeniser splits words from punctuation; the vocabulary
is learned on the training split only and saved as `tokenizer.json` in the run, so evaluate,
predict and the page tokenise exactly as in training. Torchtext is not used (its last release
cannot load with current torch).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, trainers

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
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()  # words and runs of punctuation
    trainer = trainers.WordLevelTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=[PAD, UNK]
    )
    tokenizer.train_from_iterator(texts, trainer)
    return tokenizer


def save_tokenizer(tokenizer: Tokenizer, run_dir: Path) -> Path:
    path = Path(run_dir) / TOKENIZER_FILE
    tokenizer.save(str(path))
    return path


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

    def head(self, n: int) -> Encoded:
        """The first `n` reviews."""
        return Encoded(self.ids[: self.offsets[n]], self.offsets[: n + 1])


def encode(tokenizer: Tokenizer, texts: list[str], max_tokens: int) -> Encoded:
    """Batch-encode (all cores, truncated to `max_tokens`); padding happens per batch later."""
    tokenizer.enable_truncation(max_tokens)
    tokenizer.no_padding()
    encodings = tokenizer.encode_batch_fast(texts)
    lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
    ids = np.fromiter((i for e in encodings for i in e.ids), dtype=np.int64, count=lengths.sum())
    return Encoded(ids, np.concatenate([[0], np.cumsum(lengths)]))


def pad_batch(encoded: Encoded, rows: np.ndarray, min_length: int = 1) -> np.ndarray:
    """(B, T) ids padded with PAD_ID to the longest review of the batch (at least `min_length`)."""
    starts, ends = encoded.offsets[rows], encoded.offsets[rows + 1]
    width = max(int((ends - starts).max(initial=0)), min_length)
    out = np.full((len(rows), width), PAD_ID, dtype=np.int64)
    for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
        out[i, : end - start] = encoded.ids[start:end]
    return out


def ngram_features(encoded: Encoded, vocab_size: int, num_buckets: int) -> Encoded:
    """Binarised unigram ids plus hashed bigrams and trigrams, per review, sorted.

    Unigrams keep their vocabulary id; an n-gram gets `vocab_size + key % num_buckets` where
    `key` is exact (a * V + b), so the same n-gram always lands in the same slot.
    """
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
    """log p(f | positive) / p(f | negative) with add-one smoothing (Wang & Manning 2012),
    and which features occur in at least `min_reviews` training reviews."""
    owners = np.repeat(labels, features.lengths)
    pos = np.bincount(features.ids[owners == 1], minlength=num_features)
    neg = np.bincount(features.ids[owners == 0], minlength=num_features)
    ratios = np.log(
        ((pos + 1.0) / (pos.sum() + num_features)) / ((neg + 1.0) / (neg.sum() + num_features))
    )
    return ratios.astype(np.float32), (pos + neg) >= min_reviews


class ReviewBatches:
    """(x, y) batches: padded (B, T) ids for sequence models, (features, offsets) for ngram_nb.

    Any iterable with `__len__` serves `common.training`; `generator` makes shuffling
    reproducible and resumable.
    """

    def __init__(
        self,
        encoded: Encoded,
        labels: np.ndarray,
        batch_size: int,
        kind: str,
        generator: torch.Generator | None = None,
        pin_memory: bool = False,
    ) -> None:
        self.encoded, self.labels, self.batch_size, self.kind = encoded, labels, batch_size, kind
        self.generator, self.pin_memory = generator, pin_memory

    def __len__(self) -> int:
        return -(-len(self.labels) // self.batch_size)

    def __iter__(self) -> Any:
        n = len(self.labels)
        order = (
            torch.randperm(n, generator=self.generator).numpy() if self.generator else np.arange(n)
        )
        for start in range(0, n, self.batch_size):
            rows = order[start : start + self.batch_size]
            x = batch_inputs(self.encoded, rows, self.kind)
            y = torch.from_numpy(self.labels[rows].astype(np.float32))
            if self.pin_memory:  # lets move_to copy with non_blocking=True on CUDA
                x, y = (
                    tuple(t.pin_memory() for t in x) if isinstance(x, tuple) else x.pin_memory(),
                    y.pin_memory(),
                )
            yield x, y


def batch_inputs(encoded: Encoded, rows: np.ndarray, kind: str) -> Any:
    """The model input for `rows` of `encoded` (ids for "sequence", features for "bag")."""
    if kind == "sequence":
        return torch.from_numpy(pad_batch(encoded, rows))
    starts, ends = encoded.offsets[rows], encoded.offsets[rows + 1]
    parts = [encoded.ids[s:e] for s, e in zip(starts, ends, strict=True)]
    features = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(ends - starts)[:-1]])
    return torch.from_numpy(features), torch.from_numpy(offsets.astype(np.int64))


def model_inputs(encoded: Encoded, kind: str, vocab_size: int, num_buckets: int) -> Encoded:
    """What the batches are cut from: token ids, or binarised n-gram features."""
    return ngram_features(encoded, vocab_size, num_buckets) if kind == "bag" else encoded
