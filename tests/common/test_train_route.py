"""What every app's `train()` calls around its loop: resume-aware configs, the run folder,
the validation split."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import pytest
import typer
from typer.testing import CliRunner

from common.cli import with_train_options
from common.config import TrainConfig
from common.runs import open_run, read_config, run_configs
from common.training.options import LoopOptions, pick_validation


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


def test_open_run_writes_the_three_configs_and_run_configs_restores_them(tmp_path, last_pt_bytes):
    train_cfg = TrainConfig(runs_dir=tmp_path, epochs=2)
    data_cfg, model_cfg = DataConfig(rows=5), ModelConfig(width=3)
    assert run_configs(data_cfg, model_cfg, train_cfg) == (data_cfg, model_cfg, train_cfg)
    run_dir, resume = open_run("alpha", data_cfg, model_cfg, train_cfg)
    assert resume is None
    assert run_dir.parent == tmp_path / "alpha"
    saved = json.loads((run_dir / "config.json").read_text())
    assert (saved["app"], saved["data"], saved["model"]) == ("alpha", {"rows": 5}, {"width": 3})
    (run_dir / "last.pt").write_bytes(last_pt_bytes)  # what a resume needs to find
    asked = TrainConfig(runs_dir=tmp_path, epochs=None, resume=run_dir)
    restored = run_configs(DataConfig(), ModelConfig(), asked)
    assert restored[:2] == (data_cfg, model_cfg)
    assert restored[2].epochs == 2  # the run's own count: a resume finishes that run
    resumed_dir, checkpoint = open_run("alpha", *restored)
    assert (resumed_dir, checkpoint) == (run_dir, run_dir / "last.pt")
    assert read_config(run_dir)["train"]["epochs"] == 2
    longer = run_configs(DataConfig(), ModelConfig(), dataclasses.replace(asked, epochs=5))
    assert longer[2].epochs == 5  # --epochs given: that count
    open_run("alpha", *longer)
    assert read_config(run_dir)["train"]["epochs"] == 5  # config.json says what it trains to


def _resume_cli(defaults: TrainConfig) -> typer.Typer:
    """A `train` command as an app builds it, printing the epochs it would train to."""
    app = typer.Typer()

    @app.command()
    @with_train_options(defaults)
    def train(train_cfg: TrainConfig) -> None:
        print(run_configs(DataConfig(), ModelConfig(), train_cfg)[2].epochs)

    @app.command()
    def other() -> None:  # a group, as in refapps
        pass

    return app


@pytest.mark.parametrize("saved_epochs", [40, 80])  # below and above the app default (60)
def test_a_resume_trains_to_the_runs_own_epochs_unless_epochs_is_given(
    tmp_path, last_pt_bytes, saved_epochs
):
    defaults = dataclasses.replace(TrainConfig(), epochs=60, runs_dir=tmp_path)
    run_dir, _ = open_run(
        "alpha", DataConfig(), ModelConfig(), dataclasses.replace(defaults, epochs=saved_epochs)
    )
    (run_dir / "last.pt").write_bytes(last_pt_bytes)
    app = _resume_cli(defaults)

    def epochs(*args: str) -> int:
        result = CliRunner().invoke(app, ["train", *args])
        assert result.exit_code == 0, result.output
        return int(result.output.strip())

    assert epochs() == 60  # a new run: the app's default
    assert epochs("--resume", str(run_dir)) == saved_epochs  # not the default, not the max
    assert epochs("--resume", str(run_dir), "--epochs", "50") == 50
    assert epochs("--epochs", "7") == 7


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
