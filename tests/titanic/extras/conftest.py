"""A tiny ensemble run (two members) for the tests of `--num-models`."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.titanic.config import DataConfig, ModelConfig


@pytest.fixture(scope="session")
def ensemble_run(
    data_cfg: DataConfig, make_train_cfg, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """One finished 2-epoch run of a two-network ensemble."""
    from apps.titanic.extras.ensemble import train_ensemble

    runs_dir = tmp_path_factory.mktemp("ensemble_runs")
    model_cfg = ModelConfig(hidden=(8,), num_models=2)
    return train_ensemble(data_cfg, model_cfg, make_train_cfg(runs_dir), progress=False).run_dir
