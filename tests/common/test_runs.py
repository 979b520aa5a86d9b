"""Run folders: never collide, the newest finished run is found, config round trips."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from common.config import TrainConfig
from common.errors import CheckpointError, UserError
from common.lookup import latest_run, read_metrics, resolve_run
from common.runs import (
    finish_run,
    new_run_dir,
    read_config,
    restore_config,
    start_run,
)


def _finish_model(run_dir: Path) -> Path:
    (run_dir / "model.safetensors").write_bytes(b"w")
    (run_dir / "model.json").write_text("{}")
    return run_dir


def test_new_run_dirs_never_collide(runs_dir):
    dirs = [new_run_dir(runs_dir, "alpha") for _ in range(12)]
    assert len(set(dirs)) == 12
    assert all(d.is_dir() and not any(d.iterdir()) for d in dirs)
    assert all(d.parent == runs_dir / "alpha" for d in dirs)


def test_latest_run_is_the_newest_finished_one(runs_dir):
    dirs = [_finish_model(new_run_dir(runs_dir, "alpha")) for _ in range(12)]
    unfinished = new_run_dir(runs_dir, "alpha")
    assert latest_run(runs_dir, "alpha") == dirs[-1] != unfinished
    assert resolve_run(None, runs_dir, "alpha") == dirs[-1]


def test_same_second_suffixes_sort_as_numbers(runs_dir):
    base = runs_dir / "alpha"
    names = [
        "20240101-120000",
        *(f"20240101-120000-{i}" for i in range(1, 12)),
        "20231231-235959-99",
    ]
    for name in names:
        (base / name).mkdir(parents=True)
        _finish_model(base / name)
    assert latest_run(runs_dir, "alpha").name == "20240101-120000-11"


def test_latest_marker_wins_and_a_stale_one_is_ignored(runs_dir):
    first = _finish_model(new_run_dir(runs_dir, "alpha"))
    second = _finish_model(new_run_dir(runs_dir, "alpha"))
    finish_run(first, [], {"test/accuracy": 0.5})
    assert latest_run(runs_dir, "alpha") == first
    (first / "model.safetensors").unlink()
    assert latest_run(runs_dir, "alpha") == second


def test_no_run_says_how_to_train_one(runs_dir):
    with pytest.raises(UserError, match="refapps alpha train"):
        latest_run(runs_dir, "alpha")
    with pytest.raises(UserError, match="Run folder not found"):
        resolve_run(runs_dir / "nope", runs_dir, "alpha")
    with pytest.raises(CheckpointError, match="no trained model"):
        resolve_run(new_run_dir(runs_dir, "alpha"), runs_dir, "alpha")


def test_finish_run_writes_metrics_curves_and_latest(runs_dir):
    run_dir = _finish_model(new_run_dir(runs_dir, "alpha"))
    records = [
        {
            "epoch": e,
            "train/loss": 1 / e,
            "val/loss": 1.2 / e,
            "val/accuracy": 0.5 + e / 10,
            "train/accuracy": 0.5,
            "lr": 0.1,
        }
        for e in (1, 2, 3)
    ]
    finish_run(run_dir, records, {"test/accuracy": 0.8})
    assert (run_dir / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert read_metrics(run_dir) == {"test/accuracy": 0.8}
    assert (runs_dir / "alpha" / "LATEST").read_text().strip() == run_dir.name
    assert not list(run_dir.glob(".*.tmp"))


def test_start_run_writes_config_and_refuses_foreign_resume(runs_dir, last_pt_bytes):
    cfg = dataclasses.replace(TrainConfig(), epochs=4, runs_dir=runs_dir, grad_clip=0.5)
    run_dir, resume = start_run(runs_dir, "alpha", None, train=cfg)
    assert resume is None
    saved = read_config(run_dir)
    assert saved["app"] == "alpha"
    assert "torch" in saved["versions"]
    assert restore_config(TrainConfig, saved["train"]) == cfg
    with pytest.raises(UserError, match=r"no last\.pt"):
        start_run(runs_dir, "alpha", run_dir)
    (run_dir / "last.pt").write_bytes(last_pt_bytes)
    assert start_run(runs_dir, "alpha", run_dir) == (run_dir, run_dir / "last.pt")
    assert start_run(runs_dir, "alpha", run_dir / "last.pt") == (run_dir, run_dir / "last.pt")
    with pytest.raises(CheckpointError, match="'alpha' run, not a 'beta' one"):
        start_run(runs_dir, "beta", run_dir)
    (run_dir / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match=r"config\.json"):
        start_run(runs_dir, "alpha", run_dir)


def test_config_json_is_plain_json(runs_dir):
    run_dir, _ = start_run(runs_dir, "alpha", None, train=TrainConfig(resume=runs_dir))
    data = json.loads((run_dir / "config.json").read_text())
    assert data["train"]["resume"] == str(runs_dir)
    assert restore_config(TrainConfig, data["train"]).resume == runs_dir
