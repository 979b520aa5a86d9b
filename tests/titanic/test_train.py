from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from apps.titanic.config import DataConfig, ModelConfig
from apps.titanic.model import MODEL_NAME
from apps.titanic.train import train
from common.errors import UserError
from common.training.styles import loop_named

RUN_FILES = (
    "config.json",
    "model.json",
    "model.safetensors",
    "last.pt",
    "history.csv",
    "curves.png",
    "metrics.json",
)
TEST_KEYS = {"test/accuracy", "test/auroc", "test/f1", "test/precision", "test/recall"}


def test_train_writes_every_run_file(trained_run: Path) -> None:
    for name in RUN_FILES:
        assert (trained_run / name).is_file(), name
    assert (trained_run.parent / "LATEST").read_text().strip() == trained_run.name
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert TEST_KEYS | {"test/loss", "train_seconds"} <= set(metrics)
    assert all(0.0 <= metrics[k] <= 1.0 for k in TEST_KEYS)
    meta = json.loads((trained_run / "model.json").read_text())
    assert meta["app"] == "titanic"
    assert meta["model_args"]["hidden"] == [8]
    assert meta["model_args"]["num_models"] == 1
    assert meta["num_train"] == 40
    assert {"categories", "medians", "means", "stds", "tickets", "mates"} <= set(
        meta["preprocessor"]
    )
    history = pd.read_csv(trained_run / "history.csv")
    assert history["epoch"].tolist() == [1, 2]
    # no validation split by default: the per-epoch curve is the test split, and says so
    assert {"train/loss", "test/loss", "test/accuracy", "lr"} <= set(history.columns)
    assert not any(column.startswith("val/") for column in history.columns)


def test_loop_styles_give_identical_test_metrics(
    data_cfg: DataConfig, tiny_model_cfg: ModelConfig, make_train_cfg, tmp_path: Path
) -> None:
    metrics = [
        train(
            data_cfg,
            tiny_model_cfg,
            make_train_cfg(tmp_path, loop=name),
            False,
            loop=loop_named(name),
        ).metrics
        for name in ("script", "function", "class")
    ]
    assert metrics[0] == pytest.approx(metrics[1], abs=1e-6)
    assert metrics[0] == pytest.approx(metrics[2], abs=1e-6)


def test_resume_with_more_epochs_continues_the_count(
    data_cfg: DataConfig, tiny_model_cfg: ModelConfig, make_train_cfg, tmp_path: Path
) -> None:
    first = train(data_cfg, tiny_model_cfg, make_train_cfg(tmp_path), progress=False)
    resumed = train(
        DataConfig(),  # ignored: a resumed run keeps the configs it was started with
        ModelConfig(),
        make_train_cfg(tmp_path, epochs=4, resume=first.run_dir),
        progress=False,
    )
    assert resumed.run_dir == first.run_dir
    assert [r["epoch"] for r in resumed.history] == [1, 2, 3, 4]
    assert pd.read_csv(first.run_dir / "history.csv")["epoch"].tolist() == [1, 2, 3, 4]
    saved = json.loads((first.run_dir / "config.json").read_text())
    assert saved["model"]["hidden"] == [8]


def test_the_default_run_is_member_0_of_an_ensemble(trained_run: Path) -> None:
    """Saved runs keep the names older runs were saved with, so both load the same way."""
    from safetensors.torch import load_file

    meta = json.loads((trained_run / "model.json").read_text())
    assert meta["model"] == MODEL_NAME
    names = load_file(trained_run / "model.safetensors")
    assert names
    assert all(name.startswith("members.0.") for name in names)


def test_train_refuses_an_ensemble_it_would_not_train(
    data_cfg: DataConfig, make_train_cfg, tmp_path: Path
) -> None:
    with pytest.raises(UserError, match="--num-models"):
        train(data_cfg, ModelConfig(hidden=(4,), num_models=2), make_train_cfg(tmp_path), False)
    assert not (tmp_path / "titanic").exists()  # refused before a run folder is made


@pytest.mark.parametrize("damage", [b"garbage", b"\x80\x04K\x01."])  # junk; a pickled 1
def test_a_refused_resume_leaves_the_trained_model_loadable(
    data_cfg: DataConfig, tiny_model_cfg: ModelConfig, make_train_cfg, tmp_path: Path, damage
) -> None:
    from apps.titanic.predict import load_predictor

    run_dir = train(data_cfg, tiny_model_cfg, make_train_cfg(tmp_path), progress=False).run_dir
    weights = (run_dir / "model.safetensors").read_bytes()
    (run_dir / "last.pt").write_bytes(damage)
    with pytest.raises(UserError, match=r"last\.pt"):
        train(DataConfig(), ModelConfig(), make_train_cfg(tmp_path, resume=run_dir), False)
    assert (run_dir / "model.safetensors").read_bytes() == weights
    assert load_predictor(run_dir).model.members[0] is not None


def test_an_accepted_resume_leaves_the_weights_file_to_the_training_loop(
    data_cfg: DataConfig, tiny_model_cfg: ModelConfig, make_train_cfg, tmp_path: Path, monkeypatch
) -> None:
    """Stopped before its first epoch (Ctrl-C), a resumed run still holds the finished model."""
    from apps.titanic import train as train_module
    from apps.titanic.predict import load_predictor

    run_dir = train(data_cfg, tiny_model_cfg, make_train_cfg(tmp_path), progress=False).run_dir
    weights = (run_dir / "model.safetensors").read_bytes()

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "fit_network", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train(DataConfig(), ModelConfig(), make_train_cfg(tmp_path, resume=run_dir), False)
    assert (run_dir / "model.safetensors").read_bytes() == weights
    assert load_predictor(run_dir).model.members[0] is not None
