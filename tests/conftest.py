"""Fixtures every test folder may use; none is autouse, so app conftests stay in charge.

- `cpu`: the CPU `torch.device` (tests never need a GPU unless marked `gpu`).
- `seeded`: Python, NumPy and torch seeded with 0; the value is the DataLoader generator.
- `data_root`: `REFAPPS_DATA` pointed at an empty `tmp_path/data` (nothing real is read).
- `runs_dir`: an empty `tmp_path/runs`, also set as `REFAPPS_RUNS_DIR` for the pages.
- `resume_refusal`: checks that an app's `train --resume` refuses options it would ignore.

Tests marked `gpu` are skipped when CUDA is not available.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Derived-data caches of the whole session go to a fresh temporary folder."""
    import tempfile

    os.environ["REFAPPS_CACHE"] = tempfile.mkdtemp(prefix="refapps-test-cache-")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu_items:
        return
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in gpu_items:
        item.add_marker(skip)


@pytest.fixture
def cpu() -> Any:
    import torch

    return torch.device("cpu")


@pytest.fixture
def seeded() -> Any:
    from common.device import seed_everything

    return seed_everything(0)


@pytest.fixture
def data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("REFAPPS_DATA", str(root))
    return root


@pytest.fixture
def runs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "runs"
    path.mkdir()
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(path))
    return path


@pytest.fixture
def resume_refusal(tmp_path: Path) -> Any:
    """`check(app, run, ignored, flags, epochs)`: `train --resume` with the options `ignored`
    exits 2 naming `flags`, leaves the run's files as they were; with `--epochs` alone it
    trains on to `epochs`."""
    import shutil

    import pandas as pd
    from typer.testing import CliRunner

    def files(folder: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()
        }

    def check(app: Any, run: Path, ignored: list[str], flags: str, epochs: int) -> None:
        run_dir = Path(shutil.copytree(run, tmp_path / "resumed"))
        before = files(run_dir)
        resume = ["train", "--resume", str(run_dir), "--epochs", str(epochs)]
        result = CliRunner().invoke(app, [*resume, *ignored])
        assert result.exit_code == 2, result.output
        said = " ".join(result.output.split())
        assert f"--resume continues {run_dir} with its saved settings; drop {flags}" in said
        assert "Traceback" not in result.output
        assert files(run_dir) == before
        resumed = CliRunner().invoke(app, resume)  # --epochs alone: the run goes on
        assert resumed.exit_code == 0, resumed.output
        assert pd.read_csv(run_dir / "history.csv")["epoch"].tolist() == list(range(1, epochs + 1))

    return check
