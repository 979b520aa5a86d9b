"""The steps every app's `train()` shares: resume-aware configs, the run folder, validation."""

from __future__ import annotations

import json
from dataclasses import dataclass

from common.config import TrainConfig
from common.training import LoopOptions
from common.training.wiring import open_run, pick_validation, run_configs


@dataclass(frozen=True)
class DataConfig:
    rows: int = 8


@dataclass(frozen=True)
class ModelConfig:
    width: int = 4


def test_pick_validation_keeps_a_real_split_and_its_monitor():
    options = LoopOptions(monitor="val/accuracy", mode="max")
    picked, loader = pick_validation(options, ["val"], ["test"])
    assert loader == ["val"]
    assert picked.monitor == "val/accuracy"
    assert picked.val_split == "val"


def test_pick_validation_without_a_split_runs_on_test_and_keeps_the_last_epoch():
    options = LoopOptions(monitor="val/loss")
    picked, loader = pick_validation(options, None, ["test"])
    assert loader == ["test"]
    assert picked.monitor is None  # never choose an epoch by test data
    assert picked.val_split == "test"  # and the history says so
    assert options.monitor == "val/loss"  # the caller's options are left as they were


def test_open_run_writes_the_three_configs_and_run_configs_restores_them(tmp_path):
    train_cfg = TrainConfig(runs_dir=tmp_path, epochs=2)
    data_cfg, model_cfg = DataConfig(rows=5), ModelConfig(width=3)
    assert run_configs(data_cfg, model_cfg, train_cfg) == (data_cfg, model_cfg, train_cfg)
    run_dir, resume = open_run("alpha", data_cfg, model_cfg, train_cfg)
    assert resume is None
    assert run_dir.parent == tmp_path / "alpha"
    saved = json.loads((run_dir / "config.json").read_text())
    assert (saved["app"], saved["data"], saved["model"]) == ("alpha", {"rows": 5}, {"width": 3})
    (run_dir / "last.pt").write_bytes(b"")  # what a resume needs to find
    asked = TrainConfig(runs_dir=tmp_path, epochs=4, resume=run_dir)
    restored = run_configs(DataConfig(), ModelConfig(), asked)
    assert restored[:2] == (data_cfg, model_cfg)
    assert restored[2].epochs == 4  # only --epochs may be raised on a resume
    resumed_dir, checkpoint = open_run("alpha", *restored)
    assert (resumed_dir, checkpoint) == (run_dir, run_dir / "last.pt")


def test_check_output_file_refuses_a_folder_and_names_a_file_in_it(tmp_path):
    import pytest

    from common.errors import UserError
    from common.files import check_output_file

    check_output_file("--out", None)
    check_output_file("--out", tmp_path / "new.csv")  # a file that does not exist yet is fine
    with pytest.raises(UserError, match="is a folder") as info:
        check_output_file("--out", tmp_path, "predictions.csv")
    assert str(tmp_path / "predictions.csv") in str(info.value)


def test_print_run_shows_the_metrics_and_the_run_folder(capsys):
    from common.console import print_run

    print_run({"test/accuracy": 0.5}, "runs/alpha/1", "Alpha test metrics")
    out = capsys.readouterr().out
    assert "Alpha test metrics" in out
    assert "runs/alpha/1" in out
