"""Fixtures for the common/ tests: the `tiny` helper module and how to run it as a subprocess."""

from __future__ import annotations

import importlib.util
import os
import random
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

TINY = Path(__file__).with_name("tiny.py")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def tiny() -> ModuleType:
    """tests/common/tiny.py, imported once (tests have no packages: --import-mode=importlib)."""
    name = "refapps_tests_tiny"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TINY)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def last_pt_bytes(tiny, tmp_path_factory) -> bytes:
    """The bytes of a real `last.pt` (one epoch of the tiny run): what a resume accepts."""
    run_dir = tmp_path_factory.mktemp("tiny_run")
    tiny.run("script", run_dir=run_dir, epochs=1)
    return (run_dir / "last.pt").read_bytes()


@pytest.fixture(scope="session")
def subprocess_env() -> dict[str, str]:
    """Environment for worker subprocesses: the repo importable, one thread, no colour."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", NO_COLOR="1", PYTHONUNBUFFERED="1")
    env.pop("REFAPPS_DEBUG", None)
    return env


def _conftest(app: str):
    spec = importlib.util.spec_from_file_location(
        f"ddp_{app}_conftest", REPO / "tests" / app / "conftest.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tiny_data(app: str, root: Path) -> list[str]:
    """Write the app's tiny fixture data under `root`; return the train options that use it."""
    root.mkdir(parents=True)
    if app == "titanic":
        make = _conftest("titanic").passenger_frame
        make(40, seed=0).to_csv(root / "train.csv", index=False)
        make(20, seed=1, first_id=100).to_csv(root / "test.csv", index=False)
        return ["--train-csv", str(root / "train.csv"), "--test-csv", str(root / "test.csv"),
                "--epochs", "2"]  # fmt: skip
    if app == "cifar":
        _conftest("cifar").write_folder(root / "images")
        # The tutorial net has no BatchNorm: per-rank BatchNorm statistics (SyncBatchNorm needs
        # CUDA) over 4 of 8 tiny images differ from one process's, which is not what this tests.
        return ["--data-dir", str(root / "images"), "--epochs", "2", "--model", "tutorial",
                "--no-augment"]  # fmt: skip
    if app == "imdb":
        fake_review, rng = _conftest("imdb").fake_review, random.Random(0)
        for split in ("train", "test"):
            rows = [(label, fake_review(rng, label)) for label in (0, 1) * 16]
            pd.DataFrame(rows, columns=["label", "text"]).to_csv(root / f"{split}.csv", index=False)
        _conftest("imdb").write_choosing_set(root / "imdb" / "select" / "customer_reviews.csv", rng)
        return ["--train-file", str(root / "train.csv"), "--test-file", str(root / "test.csv"),
                "--epochs", "2", "--vocab-size", "200", "--min-frequency", "1",
                "--max-tokens", "64", "--embed-dim", "8", "--num-buckets", "1009"]  # fmt: skip
    csv = root / "covid-19.csv"
    _conftest("covid_forecast").cumulative_frame().to_csv(csv, sep="\t", index=False)
    return ["--csv", str(csv), "--epochs", "3", "--members", "2", "--hidden-size", "4"]


@pytest.fixture(scope="session")
def app_tiny_data() -> Callable[[str, Path], list[str]]:
    """`(app, root) -> train options`: an app's tiny fixture data written under `root`."""
    return _tiny_data
