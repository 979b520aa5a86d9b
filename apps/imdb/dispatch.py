"""Front-end helper: the reading path for the defaults, extras/ when an option or a run needs it.

    train = train_for(data_cfg, model_cfg)   # apps/imdb/train.py's, or extras/options.py's
    predictor = open_predictor(run_dir)      # predict.py's, or extras/sequence.py's

`cli.py`, `demo.py` and `bench.py` ask here. An extra is imported only in the branch that
needs it, so a copy of the app made without extras/ trains and predicts the defaults, and
an option it lacks says so in one line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from common.boundary import needs_extra
from common.checkpoint import read_model_meta
from common.runs import RunResult, read_config

from .config import APP, DataConfig, ModelConfig, uses_extras
from .data import Reviews
from .predict import Predictor, load_predictor

OPTIONS = "An option (--model, --no-lexicon, --snippets-per-review, --train-file, --test-file)"


def train_for(data_cfg: DataConfig, model_cfg: ModelConfig) -> Callable[..., RunResult]:
    """`train.train` for the defaults; extras/options.py's `train` when an option is set."""
    if not uses_extras(data_cfg, model_cfg):
        from .train import train

        return train
    with needs_extra(APP, OPTIONS):
        from .extras.options import train as train_with_options
    return train_with_options


def open_predictor(run_dir: Path) -> Predictor:
    """The predictor of any run: a bilstm or tutorial_cnn one comes from extras/sequence.py."""
    name = read_model_meta(run_dir, expected_app=APP).get("model")
    if name not in ("bilstm", "tutorial_cnn"):
        return load_predictor(run_dir)  # ngram_nb, or a clear error
    with needs_extra(APP, f"A {name} run"):
        from .extras.sequence import load_sequence_predictor
    return load_sequence_predictor(run_dir)


def evaluation_reviews(run_dir: Path, test_file: Path | None) -> Reviews | None:
    """`evaluate`'s reviews: --test-file, else the run's own test file; None: aclImdb's."""
    path = test_file or read_config(run_dir)["data"].get("test_file")
    if path is None:
        return None
    with needs_extra(APP, "--test-file"):
        from .extras.table_files import read_table
    return read_table(Path(path))
