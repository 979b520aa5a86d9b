"""Checkpoints: safetensors + JSON round trip, clear errors, no pickle, atomic writes."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest
import torch

from common.checkpoint import (
    MODEL_META,
    MODEL_WEIGHTS,
    load_model,
    load_resume_checkpoint,
    load_weights,
    read_model_meta,
    save_model,
    save_resume_checkpoint,
)
from common.device import capture_rng_state
from common.errors import CheckpointError, UserError
from common.files import atomic_write, read_json, write_json


@pytest.fixture
def saved_run(tiny, tmp_path: Path):
    model = tiny.TinyNet()
    meta = {"app": "alpha", "model": "tinynet", "model_args": {"dropout": 0.2}, "classes": [0, 1]}
    save_model(model, tmp_path, meta)
    return model, tmp_path


def test_model_round_trip(tiny, saved_run):
    model, run_dir = saved_run
    meta = read_model_meta(run_dir, expected_app="alpha")
    assert meta["model_args"] == {"dropout": 0.2}
    assert meta["classes"] == [0, 1]
    assert "torch" in meta["versions"]
    assert meta["format_version"] == 1
    fresh = tiny.TinyNet(**meta["model_args"])
    load_weights(fresh, run_dir / MODEL_WEIGHTS)
    for key, value in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value)


def test_load_model_builds_from_meta_and_loads_the_weights(tiny, saved_run):
    model, run_dir = saved_run
    meta = read_model_meta(run_dir, expected_app="alpha")
    fresh = load_model(lambda args: tiny.TinyNet(**args), meta, run_dir)
    for key, value in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value)
    with pytest.raises(CheckpointError, match="model_args"):
        load_model(lambda args: tiny.TinyNet(**args), meta | {"model_args": {"x": 1}}, run_dir)


def test_truncated_weights_give_a_clear_error(tiny, saved_run):
    _, run_dir = saved_run
    path = run_dir / MODEL_WEIGHTS
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(CheckpointError, match="corrupt or truncated") as info:
        load_weights(tiny.TinyNet(), path)
    assert str(path) in str(info.value)


def test_garbage_weights_give_a_clear_error(tiny, tmp_path):
    path = tmp_path / MODEL_WEIGHTS
    path.write_bytes(b"\x00" * 3 + b"this is not safetensors" * 10)
    with pytest.raises(CheckpointError, match=str(path).replace("\\", "\\\\")):
        load_weights(tiny.TinyNet(), path)


def test_missing_weights_name_the_path(tiny, tmp_path):
    with pytest.raises(CheckpointError, match="not found"):
        load_weights(tiny.TinyNet(), tmp_path / MODEL_WEIGHTS)


def test_other_architecture_is_refused(tiny, saved_run):
    _, run_dir = saved_run
    with pytest.raises(CheckpointError, match="different architecture"):
        load_weights(tiny.TinyNet(hidden=32), run_dir / MODEL_WEIGHTS)


def test_checkpoint_of_another_app_is_refused(saved_run):
    _, run_dir = saved_run
    with pytest.raises(CheckpointError, match="'alpha' model, not a 'beta' one"):
        read_model_meta(run_dir, expected_app="beta")


@pytest.mark.parametrize("content", ['{"app": "alpha", "mod', "[1, 2]", "\udcff"])
def test_corrupt_meta_gives_a_clear_error(saved_run, content):
    _, run_dir = saved_run
    (run_dir / MODEL_META).write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(CheckpointError) as info:
        read_model_meta(run_dir, expected_app="alpha")
    assert str(run_dir / MODEL_META) in str(info.value)


def test_errors_are_user_errors():
    assert issubclass(CheckpointError, UserError)
    assert CheckpointError.exit_code == 2


# --- resume checkpoints ------------------------------------------------------------------------


def resume_state(epoch: int = 1) -> dict:
    """The smallest payload that passes the resume schema."""
    return {
        "format_version": 1,
        "model": {"w": torch.ones(2)},
        "optimizer": {"state": {}, "param_groups": []},
        "scaler": {},
        "epoch": epoch,
        "step": 0,
        "bad_epochs": 0,
        "history": [],
        "rng": capture_rng_state(),
    }


class _Payload:
    """Unpickling this would create a marker file: the loader must never get that far."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_resume_checkpoint_round_trip_with_weights_only(tiny, tmp_path):
    _, _ = tiny.run("class", run_dir=tmp_path, epochs=1)
    raw = torch.load(tmp_path / "last.pt", map_location="cpu", weights_only=True)
    state = load_resume_checkpoint(tmp_path)
    assert raw["epoch"] == state["epoch"] == 1
    for key in ("model", "optimizer", "scheduler", "scaler", "rng", "history", "loader_rng"):
        assert state[key] is not None, key


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("how", ["torch.save", "raw pickle"])
def test_pickle_payload_is_refused_not_executed(tmp_path, how):
    marker = tmp_path / "pwned"
    path = tmp_path / "last.pt"
    payload = {"format_version": 1, "model": {}, "evil": _Payload(marker)}
    if how == "torch.save":
        torch.save(payload, path)
    else:
        path.write_bytes(pickle.dumps(payload))
    with pytest.raises(CheckpointError, match="refused: it holds Python objects") as info:
        load_resume_checkpoint(path)
    assert str(path) in str(info.value)
    assert not marker.exists(), "loading the checkpoint ran code"


def test_truncated_resume_checkpoint_gives_a_clear_error(tmp_path):
    path = tmp_path / "last.pt"
    save_resume_checkpoint(path, {"format_version": 1, "w": torch.ones(1000)})
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="damaged or not a refapps resume checkpoint"):
        load_resume_checkpoint(path)


def test_foreign_resume_checkpoint_is_refused(tmp_path):
    path = tmp_path / "last.pt"
    torch.save({"weights": torch.ones(2)}, path)
    with pytest.raises(CheckpointError, match="not a refapps resume checkpoint"):
        load_resume_checkpoint(path)
    with pytest.raises(CheckpointError, match="No resume checkpoint"):
        load_resume_checkpoint(tmp_path / "missing")


def test_resume_into_another_architecture_is_refused(tiny, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    tiny.run("script", run_dir=run_dir, epochs=1)
    from common.training.options import LoopOptions
    from common.training.styles import loop_named

    generator = tiny.seed_everything(0)
    train_loader, val_loader = tiny.make_loaders(generator)
    model = tiny.TinyNet(hidden=32)
    options = LoopOptions(run_dir=run_dir, resume=run_dir, progress=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(CheckpointError, match="another model"):
        loop_named("function")(
            model,
            torch.nn.BCEWithLogitsLoss(),
            optimizer,
            train_loader,
            val_loader,
            2,
            None,
            None,
            options,
        )


# --- atomic writes -----------------------------------------------------------------------------


def _only_file(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_write_that_fails_midway_keeps_the_old_file(tmp_path):
    path = tmp_path / "data.json"
    write_json(path, {"version": 1})

    def half_write(tmp: Path) -> None:
        tmp.write_text('{"version": ')
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, half_write)
    assert read_json(path) == {"version": 1}
    assert _only_file(tmp_path) == ["data.json"]


@pytest.mark.parametrize("kind", ["json", "weights", "resume"])
def test_crash_before_rename_keeps_the_old_file(tiny, tmp_path, monkeypatch, kind):
    """A kill between the temp write and os.replace: the old file must stay loadable."""
    model = tiny.TinyNet()
    writers = {
        "json": (lambda: write_json(tmp_path / "x.json", {"v": 2}), tmp_path / "x.json"),
        "weights": (
            lambda: save_model(tiny.TinyNet(hidden=8), tmp_path, {"model": "m"}),
            tmp_path / MODEL_WEIGHTS,
        ),
        "resume": (
            lambda: save_resume_checkpoint(tmp_path / "last.pt", {"format_version": 2}),
            tmp_path / "last.pt",
        ),
    }
    write_json(tmp_path / "x.json", {"v": 1})
    save_model(model, tmp_path, {"model": "m"})
    save_resume_checkpoint(tmp_path / "last.pt", resume_state(epoch=3))
    before = _only_file(tmp_path)

    def crash(src, dst):
        raise KeyboardInterrupt("killed before rename")

    monkeypatch.setattr(os, "replace", crash)
    write, _ = writers[kind]
    with pytest.raises(KeyboardInterrupt):
        write()
    monkeypatch.undo()
    assert _only_file(tmp_path) == before, "temp files were left behind"
    assert read_json(tmp_path / "x.json") == {"v": 1}
    load_weights(tiny.TinyNet(), tmp_path / MODEL_WEIGHTS)
    assert load_resume_checkpoint(tmp_path / "last.pt")["epoch"] == 3


def test_json_is_readable_text(tmp_path):
    write_json(tmp_path / "m.json", {"path": tmp_path, "x": 1.5})
    assert json.loads((tmp_path / "m.json").read_text())["path"] == str(tmp_path)
