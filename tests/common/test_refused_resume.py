"""A refused resume leaves the run as it was: nothing in the run folder is written before its
`last.pt` has been read and accepted (in every loop style, and in every app's `train`)."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from common.checkpoint import load_resume_checkpoint
from common.config import TrainConfig
from common.errors import CheckpointError
from common.runs import open_run, run_configs

pytestmark = pytest.mark.filterwarnings("ignore:Detected pickle protocol")
STYLES = ("script", "function", "class")
MESSAGES = {
    "garbage": "damaged or not a refapps resume checkpoint",
    "pickle": "holds Python objects that would run code",
}


class _RunsCode:
    def __reduce__(self) -> tuple:
        return (print, ("this ran",))


def refused_last_pt(kind: str) -> bytes:
    """7 bytes of garbage, or a pickle whose loading would call a function."""
    if kind == "garbage":
        return b"garbage"
    return pickle.dumps({"format_version": 1, "model": {}, "x": _RunsCode()})


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@dataclass(frozen=True)
class DataConfig:
    rows: int = 8


@dataclass(frozen=True)
class ModelConfig:
    width: int = 4


@pytest.mark.parametrize("data", [b"garbage", b"\x00" * 64, b"PK\x03\x04broken zip"])
def test_a_damaged_resume_checkpoint_is_called_damaged_not_code(tmp_path, data):
    """Garbage is refused as what it is: no pickled objects, so no talk of running code."""
    path = tmp_path / "last.pt"
    path.write_bytes(data)
    with pytest.raises(CheckpointError, match="damaged or not a refapps resume checkpoint") as info:
        load_resume_checkpoint(path)
    assert "run code" not in str(info.value)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("kind", ["garbage", "pickle"])
def test_open_run_refuses_before_the_app_can_write_anything(tmp_path, kind):
    """The app gets its run folder only once `last.pt` is accepted (titanic rewrote
    model.safetensors right after `open_run`, then the loop refused the checkpoint)."""
    train_cfg = TrainConfig(runs_dir=tmp_path, epochs=2)
    run_dir, _ = open_run("alpha", DataConfig(), ModelConfig(), train_cfg)
    (run_dir / "model.safetensors").write_bytes(b"the trained weights")
    (run_dir / "last.pt").write_bytes(refused_last_pt(kind))
    before = snapshot(run_dir)
    asked = TrainConfig(runs_dir=tmp_path, epochs=None, resume=run_dir)
    with pytest.raises(CheckpointError, match=MESSAGES[kind]):
        open_run("alpha", *run_configs(DataConfig(), ModelConfig(), asked))
    assert snapshot(run_dir) == before


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("kind", ["garbage", "pickle"])
def test_a_refused_resume_writes_nothing_in_any_loop_style(tiny, tmp_path, style, kind):
    tiny.run(style, run_dir=tmp_path, epochs=1)
    (tmp_path / "last.pt").write_bytes(refused_last_pt(kind))
    before = snapshot(tmp_path)
    assert "model.safetensors" in before
    with pytest.raises(CheckpointError, match=MESSAGES[kind]):
        tiny.run(style, run_dir=tmp_path, epochs=2, resume=tmp_path)
    assert snapshot(tmp_path) == before


@pytest.mark.slow
@pytest.mark.parametrize("app", ["titanic", "cifar", "imdb", "covid_forecast"])
def test_every_app_keeps_its_run_when_a_resume_is_refused(
    app, app_tiny_data, tmp_path, monkeypatch
):
    """`refapps <app> train --resume RUN` with a damaged or pickled last.pt: exit 2, one line,
    and every file of RUN byte-identical (every loop style: the test above)."""
    from apps.cli import app as refapps

    options = app_tiny_data(app, tmp_path / "data")
    monkeypatch.setenv("REFAPPS_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("REFAPPS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("REFAPPS_DEBUG", raising=False)
    runs = ["--runs-dir", str(tmp_path / "runs"), "--device", "cpu"]
    trained = CliRunner().invoke(refapps, [app, "train", *options, *runs])
    assert trained.exit_code == 0, trained.output
    (run_dir,) = (p for p in (tmp_path / "runs" / app).iterdir() if p.is_dir())
    for kind in ("garbage", "pickle"):
        (run_dir / "last.pt").write_bytes(refused_last_pt(kind))
        before = snapshot(run_dir)
        # --resume alone: the run's config.json names its data, model and loop style
        result = CliRunner().invoke(refapps, [app, "train", "--resume", str(run_dir)])
        assert result.exit_code == 2, result.output
        assert MESSAGES[kind] in " ".join(result.output.split())
        assert "Traceback" not in result.output
        assert snapshot(run_dir) == before, kind
