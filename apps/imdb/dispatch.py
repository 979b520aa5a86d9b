"""Front-end helper: the parts an option or a saved run needs, taken from extras/ only then.

    refapps imdb train --model tutorial_cnn --no-lexicon     # recipe_for picks the parts
    refapps imdb predict "Fine." --run-dir RUN               # open_predictor reads RUN

`cli.py`, `demo.py` and `bench.py` call these functions. The default run needs nothing from
extras/, so a copy of the app without that folder still trains and predicts.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from common.checkpoint import read_model_meta

from .config import APP, DataConfig, ModelConfig
from .data import Reviews, load_split
from .model import NGRAM_NB, Family
from .predict import Predictor, load_predictor
from .train import Recipe


def family_for(name: str | None) -> Family:
    """The model family serving `--model name` (ngram_nb: the reading path's own)."""
    if name in NGRAM_NB.names:
        return NGRAM_NB
    from .extras.sequence import SEQUENCE

    return SEQUENCE


def recipe_for(data_cfg: DataConfig, model_cfg: ModelConfig) -> Recipe:
    """The default recipe, with each part an option asks for swapped in from extras/."""
    recipe = Recipe(family=family_for(model_cfg.name))
    if data_cfg.snippets_per_review:
        from .extras.snippets import with_snippets

        recipe = dataclasses.replace(recipe, more_texts=with_snippets)
    if data_cfg.train_file is not None or data_cfg.test_file is not None:
        recipe = dataclasses.replace(recipe, read=read_split)
    if not model_cfg.lexicon_stack:
        from .extras.threshold import threshold_decision

        recipe = dataclasses.replace(recipe, decide=threshold_decision)
    return recipe


def read_split(cfg: DataConfig, split: str) -> Reviews:
    """A split from --train-file/--test-file (extras/table_files.py) or the aclImdb folders."""
    if (cfg.train_file if split == "train" else cfg.test_file) is None:
        return load_split(cfg, split)
    from .extras.table_files import read_split as read_file_or_folder

    return read_file_or_folder(cfg, split)


def open_predictor(run_dir: Path) -> Predictor:
    """The predictor of any run, with its model family (its stack and threshold come along)."""
    args = read_model_meta(run_dir, expected_app=APP).get("model_args")
    return load_predictor(run_dir, family_for(args.get("name") if isinstance(args, dict) else None))
