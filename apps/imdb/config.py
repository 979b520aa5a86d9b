"""Settings: every knob of the IMDB app with its default, in one torch-free place.

    refapps imdb train --help     # each field below is an option

The CLI reads these defaults for `--help` without importing torch; `train.py` consumes them.
Fields marked "option" turn on a part of extras/ (see `dispatch.py`); the default uses none.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from common.config import TrainConfig
from common.errors import UserError

APP = "imdb"
MODEL_NAMES = ("ngram_nb", "bilstm", "tutorial_cnn")


@dataclass(frozen=True)
class DataConfig:
    train_file: Path | None = None  # CSV/TSV of (label, text); default: the aclImdb folders
    test_file: Path | None = None
    val_fraction: float = 0.0  # share of train held out to pick the best epoch (0: keep last)
    vocab_size: int = 60_000  # words kept by the tokenizer, special tokens included
    min_frequency: int = 2  # words seen fewer times in train become [UNK]
    max_tokens: int = 2048  # reviews are truncated to this many tokens
    snippets_per_review: int = 0  # option: also train on N 1-3 sentence snippets per review
    threshold_fraction: float = 0.1  # held out (then refit on all) to choose the threshold

    def __post_init__(self) -> None:
        if not 0.0 <= self.val_fraction < 0.9:
            raise UserError(f"--val-fraction must be in [0, 0.9) (got {self.val_fraction})")
        if not 0.0 <= self.threshold_fraction < 0.9:
            raise UserError(
                f"--threshold-fraction must be in [0, 0.9) (got {self.threshold_fraction})"
            )
        if self.vocab_size < 10:
            raise UserError(f"--vocab-size must be at least 10 (got {self.vocab_size})")
        if self.min_frequency < 1:
            raise UserError(f"--min-frequency must be at least 1 (got {self.min_frequency})")
        if not 0 <= self.snippets_per_review <= 10:
            raise UserError(
                f"--snippets-per-review must be in 0..10 (got {self.snippets_per_review})"
            )
        if self.max_tokens < 8:
            raise UserError(f"--max-tokens must be at least 8 (got {self.max_tokens})")


@dataclass(frozen=True)
class ModelConfig:
    name: str = "ngram_nb"
    embed_dim: int = 64  # option: bilstm and tutorial_cnn
    hidden: int = 64  # option: bilstm hidden size per direction
    num_buckets: int = 2_000_003  # ngram_nb: hashed bigram + trigram slots (a prime)
    min_ngram_reviews: int = 16  # ngram_nb: rarer n-grams are ignored (noise to memorise)
    cnn_tokens: int = 400  # option: tutorial_cnn reads the last N tokens of a review
    dropout: float = 0.2
    lexicon_stack: bool = False  # option: combine the logit with VADER's score (fitted held out)

    def __post_init__(self) -> None:
        if self.name not in MODEL_NAMES:
            raise UserError(f"--model must be one of {', '.join(MODEL_NAMES)} (got {self.name!r})")
        if self.cnn_tokens < 16:
            raise UserError(f"cnn_tokens must be at least 16 (got {self.cnn_tokens})")
        if min(self.embed_dim, self.hidden, self.num_buckets, self.min_ngram_reviews) < 1:
            raise UserError(
                "--embed-dim, --hidden, --num-buckets and --min-ngram-reviews must be positive"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise UserError(f"--dropout must be in [0, 1) (got {self.dropout})")


TRAIN_DEFAULTS = dataclasses.replace(
    TrainConfig(),
    epochs=1,  # held-out train: epoch 1 scored as well as or better than epoch 2
    batch_size=256,
    lr=0.02,
    loop="class",
    monitor="val/accuracy",
    mode="max",
    num_threads=None,
)
