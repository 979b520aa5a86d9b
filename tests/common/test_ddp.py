"""Two CPU processes (Gloo) under torchrun train like one process with the same global batch.

Tolerance: weights within 1e-5 (absolute), history within 1e-4 (relative). The all-reduce
adds the two halves' gradients in another order than one batch of 8 does, so bits differ.
Covers every loop style with a DataLoader and with an app-style iterable of batches, only
rank 0 writing, SIGTERM to one rank stopping both, `--resume` under torchrun, and a
two-"node" rendezvous on one machine.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

WORKER = Path(__file__).with_name("ddp_worker.py")


@pytest.fixture(scope="module")
def worker():
    """ddp_worker.py imported in this (single) process, for the reference runs."""
    import importlib.util

    sys.path.insert(0, str(WORKER.parent))
    spec = importlib.util.spec_from_file_location("refapps_ddp_worker", WORKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def torchrun(*args: str, nodes: str = "--standalone") -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", *nodes.split(), *args, str(WORKER)]


def run(command: list[str], env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = env | {"GLOO_SOCKET_IFNAME": "lo", "TORCHELASTIC_ERROR_FILE": ""}
    env.pop("WORLD_SIZE", None)
    return subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=150)


def assert_matches(out: Path, model: torch.nn.Module, history: list[dict]) -> None:
    weights = load_file(str(out / "weights.safetensors"))
    for key, value in model.state_dict().items():
        assert torch.allclose(weights[key], value, atol=1e-5), key
    ddp_history = json.loads((out / "history.json").read_text())
    assert len(ddp_history) == len(history)
    for ours, theirs in zip(ddp_history, history, strict=True):
        assert set(ours) == set(theirs)
        for key, value in theirs.items():
            assert ours[key] == pytest.approx(value, rel=1e-4, abs=1e-6), key


@pytest.mark.slow
def test_every_style_and_batch_source_matches_one_process(worker, subprocess_env, tmp_path):
    command = torchrun("--nproc_per_node=2")
    done = run(command, subprocess_env, "styles", "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for style in worker.STYLES:
        for kind in worker.KINDS:
            model, history, _ = worker.train_once(style, kind)
            assert_matches(tmp_path / f"{style}-{kind}", model, history)


@pytest.mark.slow
def test_sigterm_to_one_rank_stops_both_and_resume_under_torchrun(worker, subprocess_env, tmp_path):
    run_dir, out = tmp_path / "run", tmp_path / "out"
    command = torchrun("--nproc_per_node=2")
    args = ("resume", "--run-dir", str(run_dir), "--out", str(out), "--epochs", "4")
    stopped = run(command, subprocess_env, *args, "--sigterm-at-epoch", "3")
    assert stopped.returncode != 0
    for rank in (0, 1):  # both ranks stopped at the same step, cleanly, with 143
        code, message = (out / f"exit-rank{rank}.txt").read_text().split("\n", 1)
        assert code == "143", message
        assert "SIGTERM" in message
        assert "epoch 3" in message
    assert "saved in" in (out / "exit-rank0.txt").read_text()
    assert not (out / "writes-rank1.txt").exists(), "rank 1 wrote files"
    assert str(run_dir / "last.pt") in (out / "writes-rank0.txt").read_text().split()

    resumed = run(command, subprocess_env, *args, "--resume")
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    model, history, _ = worker.train_once("function", "batches", 4)
    assert_matches(out / "final", model, history)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_node_rendezvous_on_one_machine(worker, subprocess_env, tmp_path):
    port = free_port()
    nodes = f"--nnodes=2 --nproc_per_node=1 --rdzv-backend=c10d --rdzv-endpoint=127.0.0.1:{port}"
    env = subprocess_env | {"GLOO_SOCKET_IFNAME": "lo", "TORCHELASTIC_ERROR_FILE": ""}
    env.pop("WORLD_SIZE", None)
    procs = [
        subprocess.Popen(
            [
                *torchrun(f"--node-rank={rank}", nodes=nodes),
                "styles",
                "--only",
                "class-batches",
                "--out",
                str(out),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for rank, out in ((0, tmp_path / "node0"), (1, tmp_path / "node1"))
    ]
    outputs = [p.communicate(timeout=150)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], "\n".join(o[-2000:] for o in outputs)
    model, history, _ = worker.train_once("class", "batches")
    assert_matches(tmp_path / "node0" / "class-batches", model, history)
    assert not (tmp_path / "node1" / "class-batches").exists(), "only global rank 0 saves"
