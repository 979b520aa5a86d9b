"""Fixtures for the common/ tests: the `tiny` helper module and how to run it as a subprocess."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

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
