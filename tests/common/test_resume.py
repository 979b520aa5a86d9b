"""Resume after SIGKILL ends with the weights of an uninterrupted run (CPU, one thread)."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from common.checkpoint import load_resume_checkpoint
from common.errors import CheckpointError

EPOCHS = 6


def worker(tiny, env, run_dir: Path, out: Path, style: str, *extra: str) -> subprocess.Popen:
    command = [
        sys.executable,
        tiny.__file__,
        "train",
        "--style",
        style,
        "--run-dir",
        str(run_dir),
        "--epochs",
        str(EPOCHS),
        "--out",
        str(out),
        *extra,
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def saved_epoch(run_dir: Path) -> int:
    try:
        return load_resume_checkpoint(run_dir / "last.pt")["epoch"]
    except CheckpointError:  # not written yet
        return 0


@pytest.mark.slow
def test_sigkill_then_resume_matches_an_uninterrupted_run(tiny, subprocess_env, tmp_path):
    styles = ("class", "function")  # run side by side: process start-up is most of the time
    runs = {style: tmp_path / style / "run" for style in styles}
    for run_dir in runs.values():
        run_dir.mkdir(parents=True)
    # 32 samples x 20 ms: ~0.7 s per epoch, so the kill lands well before epoch 6
    procs = {
        style: worker(
            tiny, subprocess_env, runs[style], tmp_path / style / "killed", style, "--sleep", "0.02"
        )
        for style in styles
    }
    deadline = time.monotonic() + 90
    for style, proc in procs.items():
        while saved_epoch(runs[style]) < 1:
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "no checkpoint after 90 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL, "the worker finished before it was killed"
        assert 1 <= saved_epoch(runs[style]) < EPOCHS
        assert not (tmp_path / style / "killed").exists()

    resumed = {
        style: worker(
            tiny, subprocess_env, runs[style], tmp_path / style / "resumed", style, "--resume"
        )
        for style in styles
    }
    for proc in resumed.values():
        output = proc.communicate(timeout=120)[0].decode()
        assert proc.returncode == 0, output

    for style in styles:
        reference, ref_history = tiny.run(style, run_dir=tmp_path / style / "ref", epochs=EPOCHS)
        out = tmp_path / style / "resumed"
        history = json.loads((out / "history.json").read_text())
        assert [r["epoch"] for r in history] == list(range(1, EPOCHS + 1))
        assert history == json.loads(json.dumps(ref_history)), style
        with open(runs[style] / "history.csv", newline="") as f:
            assert [int(r["epoch"]) for r in csv.DictReader(f)] == list(range(1, EPOCHS + 1))
        weights = load_file(str(out / "weights.safetensors"))
        for key, value in reference.state_dict().items():
            assert torch.equal(weights[key], value), f"{style}: {key} differs after resume"


def test_resume_in_process_restores_every_rng(tiny, tmp_path):
    """Same promise without subprocesses: 2 epochs, then resume to 4 from the re-seeded start.

    `tiny.run` seeds everything again before resuming, so any RNG the checkpoint does not
    restore (dropout, shuffling, NumPy/Python noise) would replay epoch 1's draws.
    """
    first = tmp_path / "first"
    first.mkdir()
    tiny.run("script", run_dir=first, epochs=2)
    model, history = tiny.run("script", run_dir=first, epochs=4, resume=first)
    reference, ref_history = tiny.run("script", epochs=4)
    assert history == ref_history
    for key, value in reference.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
