"""Step 1 of 6, prepare the data: review files -> texts and labels -> token ids -> n-gram
features -> batches.

refapps imdb download   # REFAPPS_DATA/imdb/aclImdb/{train,test}/{pos,neg}/*.txt
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, trainers

from common.batches import TensorBatches
from common.config import TrainConfig
from common.data import data_root, extract_tar, fetch_verified
from common.errors import CheckpointError, DataNotFoundError

from .config import DataConfig, ModelConfig

URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
CLASSES = ("negative", "positive")
PAD, UNK = "[PAD]", "[UNK]"
PAD_ID, UNK_ID = 0, 1
TOKENIZER_FILE = "tokenizer.json"


@dataclass
class Reviews:
    texts: list[str]
    labels: np.ndarray  # (N,) int64, 0 = negative, 1 = positive

    def take(self, rows: np.ndarray) -> Reviews:
        return Reviews([self.texts[i] for i in rows], self.labels[rows])


def download() -> Path:
    """Fetch and unpack train/test pos/neg (no network when the folders are present)."""
    root = data_root() / "imdb" / "aclImdb"
    wanted = [f"{split}/{label}" for split in ("train", "test") for label in ("pos", "neg")]
    if not all((root / folder).is_dir() for folder in wanted):
        archive = fetch_verified(URL, SHA256, data_root() / "imdb" / "aclImdb_v1.tar.gz")
        for folder in wanted:  # skip unsup/ and the .feat files: half the archive
            extract_tar(archive, root.parent, members_prefix=f"aclImdb/{folder}/")
    return root


def read_folder(split_dir: Path) -> Reviews:
    """`split_dir/{neg,pos}/*.txt` -> reviews (25,000 files: about 2 s)."""
    paths = [p for label in ("neg", "pos") for p in sorted((split_dir / label).glob("*.txt"))]
    if not paths:
        raise DataNotFoundError(f"No reviews in {split_dir}; run: refapps imdb download")
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in paths]
    return Reviews(texts, np.array([int(p.parent.name == "pos") for p in paths], dtype=np.int64))


def load_split(split: str) -> Reviews:
    """The aclImdb folder of `split` ("train" or "test"); only that folder is read."""
    folder = data_root() / "imdb" / "aclImdb" / split
    return read_folder(folder if folder.is_dir() else download() / split)


def split_train_val(reviews: Reviews, fraction: float, seed: int) -> tuple[Reviews, Reviews | None]:
    """A stratified hold-out of `fraction` of train (None when 0)."""
    if fraction == 0:
        return reviews, None
    rng, rows = np.random.default_rng(seed), [np.flatnonzero(reviews.labels == c) for c in (0, 1)]
    val_rows = np.concatenate([rng.permutation(r)[: round(fraction * len(r))] for r in rows])
    train_rows = np.setdiff1d(np.arange(len(reviews.labels)), val_rows)
    return reviews.take(train_rows), reviews.take(np.sort(val_rows))


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

    def __getitem__(self, index: slice | torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Some rows as one flat (ids, offsets) pair: how `TensorBatches` cuts the model's input."""
        rows = np.arange(len(self))[index] if isinstance(index, slice) else index.numpy()
        starts, ends = self.offsets[rows], self.offsets[rows + 1]
        parts = [self.ids[s:e] for s, e in zip(starts, ends, strict=True)]
        flat = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(ends - starts)[:-1]])
        return torch.from_numpy(flat), torch.from_numpy(offsets.astype(np.int64))


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


@dataclass
class Loaders:
    train: TensorBatches  # x: n-gram features (`Encoded`), y: float labels
    val: TensorBatches | None
    test: TensorBatches | None  # the per-epoch curve, read only when val is None
    tokenizer: Tokenizer  # fitted on the training split
    val_reviews: Reviews | None  # the held-out training reviews (texts for the stack)


def take_ends(reviews: Reviews, n: int | None) -> Reviews:
    """At most `n` reviews, from both ends of the sorted folders so both classes stay."""
    if n is None or len(reviews.labels) <= n:
        return reviews
    return reviews.take(np.r_[: n // 2, len(reviews.labels) - (n + 1) // 2 : len(reviews.labels)])


def make_loaders(
    cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig, generator: torch.Generator
) -> Loaders:
    """Read, hold out, tokenize (fitted on train only), n-grams, batch; the test reviews
    only when nothing is held out, so a choosing fit never opens them."""
    seed, n = train_cfg.seed, train_cfg.max_samples
    train, val = split_train_val(take_ends(load_split("train"), n), cfg.val_fraction, seed)
    test = take_ends(load_split("test"), n) if val is None else None
    tokenizer = train_tokenizer(train.texts, cfg.vocab_size, cfg.min_frequency)

    def batches(reviews: Reviews, gen: torch.Generator | None = None) -> TensorBatches:
        ids = encode(tokenizer, reviews.texts, cfg.max_tokens)
        x = ngram_features(ids, tokenizer.get_vocab_size(), model_cfg.num_buckets)
        size = train_cfg.batch_size if gen is not None else max(train_cfg.batch_size, 512)
        y = torch.from_numpy(reviews.labels.astype(np.float32))
        return TensorBatches(x, y, size, gen)  # type: ignore[arg-type]

    val_batches, test_batches = (batches(r) if r is not None else None for r in (val, test))
    return Loaders(batches(train, generator), val_batches, test_batches, tokenizer, val)
