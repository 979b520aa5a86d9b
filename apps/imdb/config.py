"""Settings: every knob of the IMDB app with its default, torch-free (fields marked "option"
turn on a part of extras/, see `uses_extras`).

    refapps imdb train --help     # each field below is an option
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from common.config import TrainConfig
from common.errors import UserError

APP = "imdb"
MODEL_NAMES = ("ngram_nb", "bilstm", "tutorial_cnn")


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise UserError(message)


@dataclass(frozen=True)
class DataConfig:
    train_file: Path | None = None  # option: CSV/TSV of (label, text) instead of aclImdb
    test_file: Path | None = None
    val_fraction: float = 0.0  # share of train held out to pick the best epoch (0: keep last)
    vocab_size: int = 60_000  # words kept by the tokenizer, special tokens included
    min_frequency: int = 2  # words seen fewer times in train become [UNK]
    max_tokens: int = 2048  # reviews are truncated to this many tokens
    snippets_per_review: int = 0  # option: also train on N 1-3 sentence snippets per review
    threshold_fraction: float = 0.1  # held out (then refit on all) to fit the stack on

    def __post_init__(self) -> None:
        _check(0 <= self.val_fraction < 0.9, "--val-fraction must be in [0, 0.9)")
        _check(0 <= self.threshold_fraction < 0.9, "--threshold-fraction must be in [0, 0.9)")
        _check(self.vocab_size >= 10, f"--vocab-size must be at least 10 (got {self.vocab_size})")
        _check(self.min_frequency >= 1, "--min-frequency must be at least 1")
        _check(0 <= self.snippets_per_review <= 10, "--snippets-per-review must be in 0..10")
        _check(self.max_tokens >= 8, f"--max-tokens must be at least 8 (got {self.max_tokens})")


@dataclass(frozen=True)
class ModelConfig:
    name: str = "ngram_nb"
    embed_dim: int = 64  # option: bilstm and tutorial_cnn
    hidden: int = 64  # option: bilstm hidden size per direction
    num_buckets: int = 2_000_003  # ngram_nb: hashed bigram + trigram slots (a prime)
    min_ngram_reviews: int = 16  # ngram_nb: rarer n-grams are ignored (noise to memorise)
    cnn_tokens: int = 400  # option: tutorial_cnn reads the last N tokens of a review
    dropout: float = 0.2
    lexicon_stack: bool | None = None  # None: on for ngram_nb (off: a held-out threshold)

    def __post_init__(self) -> None:
        names = ", ".join(MODEL_NAMES)
        _check(self.name in MODEL_NAMES, f"--model must be one of {names} (got {self.name!r})")
        _check(self.cnn_tokens >= 16, f"cnn_tokens must be at least 16 (got {self.cnn_tokens})")
        sizes = (self.embed_dim, self.hidden, self.num_buckets, self.min_ngram_reviews)
        _check(min(sizes) >= 1, "--embed-dim, --hidden, --num-buckets, --min-ngram-reviews >= 1")
        _check(0 <= self.dropout < 1, f"--dropout must be in [0, 1) (got {self.dropout})")
        if self.lexicon_stack is None:  # saved resolved, so a run always says what it used
            object.__setattr__(self, "lexicon_stack", self.name == "ngram_nb")


def uses_extras(data: DataConfig, model: ModelConfig) -> bool:
    """Whether an option served by extras/ is set (`train` refuses it; dispatch.py routes it)."""
    files, sequence = data.train_file or data.test_file, model.name != "ngram_nb"
    return bool(files or data.snippets_per_review or sequence or not model.lexicon_stack)


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
