"""Two CPU processes with Gloo under torchrun train like one process with twice the batch."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

EPOCHS = 3


@pytest.mark.slow
def test_two_process_gloo_matches_single_process(tiny, subprocess_env, tmp_path):
    run_dir, out = tmp_path / "ddp_run", tmp_path / "ddp_out"
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        tiny.__file__,
        "ddp",
        "--run-dir",
        str(run_dir),
        "--epochs",
        str(EPOCHS),
        "--out",
        str(out),
    ]
    env = subprocess_env | {"GLOO_SOCKET_IFNAME": "lo", "TORCHELASTIC_ERROR_FILE": ""}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    single_dir = tmp_path / "single_run"
    model, history = tiny.run_ddp(single_dir, EPOCHS, world_size=1)
    weights = load_file(str(out / "weights.safetensors"))
    for key, value in model.state_dict().items():
        assert torch.allclose(weights[key], value, atol=1e-5), key
    ddp_history = json.loads((out / "history.json").read_text())
    assert [r["epoch"] for r in ddp_history] == list(range(1, EPOCHS + 1))
    for ours, theirs in zip(ddp_history, history, strict=True):
        assert set(ours) == set(theirs)
        for key, value in theirs.items():
            assert ours[key] == pytest.approx(value, rel=1e-4, abs=1e-6), key

    # only rank 0 wrote files: rank 1 never replaced a file, rank 0 wrote the run
    assert not (out / "writes-rank1.txt").exists()
    written = (out / "writes-rank0.txt").read_text().split()
    assert str(run_dir / "last.pt") in written
    assert str(run_dir / "history.csv") in written
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(p.name for p in single_dir.iterdir())
