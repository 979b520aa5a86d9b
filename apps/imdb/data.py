"""Step 1, prepare the data: review files -> validated texts and labels -> batches.

    refapps imdb download   # REFAPPS_DATA/imdb/aclImdb/{train,test}/{pos,neg}/*.txt

Reading 50,000 small files is slow on a cold disk, so each folder's parsed reviews are cached
as parquet under `common.data.cache_dir("imdb")`, keyed by the folder's listing (names, sizes,
modification times): a changed folder is read again. A CSV/TSV of (label, text) works too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from common.data import cache_dir, data_root, extract_tar, fetch_verified
from common.errors import DataNotFoundError, UserError

from .config import DataConfig, ModelConfig
from .text import Encoded, ReviewBatches, model_inputs

URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
CLASSES = ("negative", "positive")
SPLITS = ("train", "test")
LABEL_NAMES = {"0": 0, "1": 1, "neg": 0, "pos": 1, "negative": 0, "positive": 1}
MAX_ROWS = 200_000


@dataclass
class Reviews:
    texts: list[str]
    labels: np.ndarray  # (N,) int64, 0 = negative, 1 = positive

    def take(self, rows: np.ndarray) -> Reviews:
        return Reviews([self.texts[i] for i in rows], self.labels[rows])


def corpus_dir() -> Path:
    return data_root() / "imdb" / "aclImdb"


def download() -> Path:
    """Fetch and unpack train/test pos/neg (no network when the folders are present)."""
    root = corpus_dir()
    wanted = [root / split / label for split in SPLITS for label in ("pos", "neg")]
    if all(folder.is_dir() for folder in wanted):
        return root
    archive = fetch_verified(URL, SHA256, data_root() / "imdb" / "aclImdb_v1.tar.gz")
    for folder in wanted:  # skip unsup/ and the .feat files: half the archive
        extract_tar(
            archive, root.parent, members_prefix=f"aclImdb/{folder.parent.name}/{folder.name}/"
        )
    return root


def read_folder(split_dir: Path) -> Reviews:
    """`split_dir/{neg,pos}/*.txt` -> reviews, through the parquet cache."""
    paths = [p for label in ("neg", "pos") for p in sorted((split_dir / label).glob("*.txt"))]
    if not paths:
        raise DataNotFoundError(
            f"No reviews in {split_dir}/{{neg,pos}}/*.txt. Run: refapps imdb download"
        )
    listing = "\n".join(
        f"{p.parent.name}/{p.name} {p.stat().st_size} {p.stat().st_mtime_ns}" for p in paths
    )
    cache_path = cache_dir("imdb") / f"{hashlib.sha256(listing.encode()).hexdigest()[:20]}.parquet"
    if cache_path.is_file():
        try:
            df = pd.read_parquet(cache_path)
            return Reviews(df["text"].tolist(), np.array(df["label"], dtype=np.int64))
        except (OSError, ValueError, KeyError):
            cache_path.unlink(missing_ok=True)  # a damaged cache is rebuilt, never trusted
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in paths]
    labels = np.array([int(p.parent.name == "pos") for p in paths], dtype=np.int64)
    tmp = cache_path.with_suffix(".tmp")
    pd.DataFrame({"label": labels, "text": texts}).to_parquet(tmp, index=False)
    tmp.replace(cache_path)
    return Reviews(texts, labels)


def read_table(path_or_buffer: Any, name: str | None = None) -> Reviews:
    """A CSV or TSV of (label, text), with or without a header; labels 0/1 or neg/pos."""
    name = name or getattr(path_or_buffer, "name", str(path_or_buffer))
    if isinstance(path_or_buffer, str | Path) and not Path(path_or_buffer).is_file():
        raise UserError(f"Review file not found: {path_or_buffer}")
    sep = "\t" if str(name).lower().endswith(".tsv") else ","
    try:
        df = pd.read_csv(
            path_or_buffer,
            sep=sep,
            header=None,
            dtype=str,
            nrows=MAX_ROWS + 2,
            keep_default_na=False,
            quoting=3 if sep == "\t" else 0,
        )
    except pd.errors.EmptyDataError as err:
        raise UserError(f"{name} is empty.") from err
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise UserError(f"{name} is not a readable CSV/TSV file ({type(err).__name__}).") from err
    if df.shape[1] < 2:
        raise UserError(f"{name} needs two columns, label and text (separator {sep!r}).")
    if str(df.iloc[0, 0]).strip().lower() == "label":
        df = df.iloc[1:]
    if df.empty or len(df) > MAX_ROWS:
        raise UserError(f"{name} must have between 1 and {MAX_ROWS:,} reviews.")
    labels = df.iloc[:, 0].str.strip().str.lower().map(LABEL_NAMES)
    if labels.isna().any():
        row = int(np.flatnonzero(labels.isna().to_numpy())[0])
        raise UserError(
            f"{name}: label must be 0/1 or neg/pos (row {row + 1}: {df.iloc[row, 0]!r})."
        )
    texts = df.iloc[:, 1:].astype(str).agg(sep.join, axis=1).tolist()  # text held separators
    return Reviews(texts, labels.to_numpy(dtype=np.int64))


def load_split(cfg: DataConfig, split: str) -> Reviews:
    path = cfg.train_file if split == "train" else cfg.test_file
    return read_table(path) if path is not None else read_folder(download() / split)


def split_train_val(reviews: Reviews, fraction: float, seed: int) -> tuple[Reviews, Reviews | None]:
    """A stratified hold-out of `fraction` of train (None when 0)."""
    if fraction == 0:
        return reviews, None
    rng = np.random.default_rng(seed)
    val_rows = np.concatenate(
        [
            rng.permutation(np.flatnonzero(reviews.labels == c))[
                : round(fraction * (reviews.labels == c).sum())
            ]
            for c in (0, 1)
        ]
    )
    train_rows = np.setdiff1d(np.arange(len(reviews.labels)), val_rows)
    return reviews.take(train_rows), reviews.take(np.sort(val_rows))


@dataclass
class Loaders:
    train: ReviewBatches
    val: ReviewBatches | None
    test: ReviewBatches
    tokenizer: Any  # tokenizers.Tokenizer, fitted on the training split
    val_reviews: Reviews | None  # the held-out training reviews (texts for calibration)
    num_reviews: int  # whole reviews trained on; the rest of `train` are snippets of them
    vocab_size: int
    nb_ratios: tuple[np.ndarray, np.ndarray] | None  # ngram_nb only: ratios, keep


def make_loaders(
    cfg: DataConfig,
    model_cfg: ModelConfig,
    batch_size: int,
    seed: int,
    generator: torch.Generator,
    max_samples: int | None = None,
    pin_memory: bool = False,
) -> Loaders:
    """Read, hold out validation, fit the tokenizer on train only, encode, and batch."""
    from .model import INPUT_KIND
    from .snippets import with_snippets
    from .text import encode, nb_log_ratios, train_tokenizer

    kind, num_buckets = INPUT_KIND[model_cfg.name], model_cfg.num_buckets
    train, test = load_split(cfg, "train"), load_split(cfg, "test")
    if max_samples is not None:  # keep both classes: take from each end of the sorted folders
        train, test = (
            r.take(
                np.r_[: max_samples // 2, len(r.labels) - (max_samples + 1) // 2 : len(r.labels)]
            )
            if len(r.labels) > max_samples
            else r
            for r in (train, test)
        )
    train, val = split_train_val(train, cfg.val_fraction, seed)
    tokenizer = train_tokenizer(train.texts, cfg.vocab_size, cfg.min_frequency)
    num_reviews = len(train.labels)
    train = with_snippets(train, cfg.snippets_per_review, seed)  # snippets come after reviews
    vocab_size = tokenizer.get_vocab_size()

    def inputs(reviews: Reviews) -> Encoded:
        return model_inputs(
            encode(tokenizer, reviews.texts, cfg.max_tokens), kind, vocab_size, num_buckets
        )

    train_inputs = inputs(train)
    ratios = None
    if kind == "bag":  # naive-Bayes ratios count whole reviews only, as without snippets
        whole = train_inputs.head(num_reviews)
        num_features = vocab_size + num_buckets
        ratios = nb_log_ratios(
            whole, train.labels[:num_reviews], num_features, model_cfg.min_ngram_reviews
        )

    def batches(
        encoded: Encoded, reviews: Reviews, gen: torch.Generator | None = None
    ) -> ReviewBatches:
        size = batch_size if gen is not None else max(batch_size, 512)
        return ReviewBatches(encoded, reviews.labels, size, kind, gen, pin_memory)

    return Loaders(
        train=batches(train_inputs, train, generator),
        val=batches(inputs(val), val) if val is not None else None,
        test=batches(inputs(test), test),
        tokenizer=tokenizer,
        val_reviews=val,
        num_reviews=num_reviews,
        vocab_size=vocab_size,
        nb_ratios=ratios,
    )
