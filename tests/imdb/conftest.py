"""Tiny fake aclImdb folders in the real layout, and one tiny trained run shared by the tests."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

POSITIVE = ["great", "wonderful", "superb", "moving", "brilliant", "loved", "fantastic"]
NEGATIVE = ["awful", "boring", "terrible", "waste", "dull", "hated", "worst"]
FILLER = "the film movie plot actor scene was and a it this story".split()  # noqa: SIM905


def fake_review(rng: random.Random, label: int) -> str:
    words = rng.choices(FILLER, k=12) + rng.choices(POSITIVE if label else NEGATIVE, k=4)
    rng.shuffle(words)
    return " ".join(words).capitalize() + ".<br /><br />Really " + words[0] + "!"


def write_corpus(root: Path, per_class: int = 16, seed: int = 0) -> Path:
    """root/imdb/aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt"""
    rng = random.Random(seed)
    for split in ("train", "test"):
        for label, name in ((1, "pos"), (0, "neg")):
            folder = root / "imdb" / "aclImdb" / split / name
            folder.mkdir(parents=True)
            for i in range(per_class):
                rating = rng.choice([7, 8, 9, 10] if label else [1, 2, 3, 4])
                text = fake_review(rng, label)
                (folder / f"{i}_{rating}.txt").write_text(text, encoding="utf-8")
    write_other_reviews(root / "imdb" / "other_reviews", rng)
    write_choosing_set(root / "imdb" / "select" / "customer_reviews.csv", rng)
    return root / "imdb" / "aclImdb"


def write_other_reviews(folder: Path, rng: random.Random, per_class: int = 4) -> None:
    """Short `sentence<TAB>label` files named like the UCI sets (evaluation only)."""
    folder.mkdir(parents=True)
    for name in ("yelp_labelled.txt", "amazon_cells_labelled.txt"):
        lines = [
            f"{' '.join(rng.choices(POSITIVE if label else NEGATIVE, k=2))} place.\t{label}"
            for label in (0, 1)
            for _ in range(per_class)
        ]
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_choosing_set(path: Path, rng: random.Random, per_class: int = 4) -> None:
    """A tiny `text,label` CSV, lower-cased and tokenised like the CR set (for choosing)."""
    path.parent.mkdir(parents=True)
    rows = [(rng.choices(POSITIVE if y else NEGATIVE, k=2), y) for y in (1, 0, 1) * per_class]
    lines = [f'"{" ".join(words)} , do n\'t you think ? .",{y}' for words, y in rows]
    path.write_text("text,label\n" + "\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_corpus(tmp_path)
    monkeypatch.setenv("REFAPPS_DATA", str(tmp_path))
    monkeypatch.setenv("REFAPPS_CACHE", str(tmp_path / "cache"))
    return tmp_path


def tiny_configs(runs_dir: Path, model: str = "ngram_nb", **train: object) -> tuple:
    from apps.imdb.config import TRAIN_DEFAULTS, DataConfig, ModelConfig

    data_cfg = DataConfig(vocab_size=200, min_frequency=1, max_tokens=64)
    model_cfg = ModelConfig(
        name=model, embed_dim=8, hidden=8, num_buckets=1009, min_ngram_reviews=1
    )
    overrides = {"epochs": 2, "batch_size": 8, "runs_dir": runs_dir, "num_threads": 1} | train
    train_cfg = dataclasses.replace(TRAIN_DEFAULTS, **overrides)
    return data_cfg, model_cfg, train_cfg


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One ngram_nb run on the fake corpus (under its own REFAPPS_DATA), reused by every test."""
    from apps.imdb.train import train

    root = tmp_path_factory.mktemp("imdb_data")
    write_corpus(root)
    runs_dir = tmp_path_factory.mktemp("imdb_runs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REFAPPS_DATA", str(root))
        mp.setenv("REFAPPS_CACHE", str(root / "cache"))
        result = train(*tiny_configs(runs_dir), progress=False)
        yield result.run_dir


@pytest.fixture
def tiny() -> object:
    """`tiny(runs_dir, model="ngram_nb", **train_overrides)` -> (data, model, train) configs."""
    return tiny_configs
