"""Every app trains under torchrun (2 CPU processes, Gloo) straight from its CLI, unchanged.

    torchrun --nproc_per_node 2 -m apps.cli <app> train --batch-size B ...

against one process with `--batch-size 2B` on the same tiny fixture data (covid trains on one
full batch, which the two processes split by rows). Tolerance: the test
loss within 0.05 and every test metric within 0.15 (absolute). The runs are not bit-equal
because dropout (and imdb's/covid's own randomness) draws one mask per process batch, and
the two processes share one seed; the loss curves must still be the same run's.
Only rank 0 writes the run folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def launch(command: list[str], env: dict[str, str], runs_dir: Path) -> subprocess.Popen:
    args = [*command, "--device", "cpu", "--runs-dir", str(runs_dir)]
    return subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_metrics(runs_dir: Path, app: str) -> dict[str, float]:
    runs = [p for p in (runs_dir / app).iterdir() if p.is_dir()]
    assert len(runs) == 1, f"expected one run folder, found {runs}"  # rank 1 wrote none
    metrics = json.loads((runs[0] / "metrics.json").read_text())
    return {k: v for k, v in metrics.items() if "/" in k and isinstance(v, float)}


test_metrics.__test__ = False  # a helper, not a test


@pytest.mark.slow
@pytest.mark.parametrize("app", ["titanic", "cifar", "imdb", "covid_forecast"])
def test_app_trains_under_torchrun_like_one_process(app, app_tiny_data, subprocess_env, tmp_path):
    options = app_tiny_data(app, tmp_path / "data")
    env = subprocess_env | {
        "REFAPPS_DATA": str(tmp_path / "data"),
        "REFAPPS_CACHE": str(tmp_path / "cache"),
        "GLOO_SOCKET_IFNAME": "lo",
        "TORCHELASTIC_ERROR_FILE": "",
        "COLUMNS": "200",
    }
    env.pop("WORLD_SIZE", None)
    train = ["-m", "apps.cli", app, "train", *options, "--seed", "0"]
    runner = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    per_process = 4
    ddp = launch([*runner, *train, "--batch-size", str(per_process)], env, tmp_path / "ddp")
    single = launch(
        [sys.executable, *train, "--batch-size", str(2 * per_process)], env, tmp_path / "single"
    )
    outputs = {
        name: p.communicate(timeout=240)[0] for name, p in (("ddp", ddp), ("single", single))
    }
    for name, proc in (("ddp", ddp), ("single", single)):
        assert proc.returncode == 0, f"{name}:\n{outputs[name][-3000:]}"
        assert "Traceback" not in outputs[name]
    ours, theirs = test_metrics(tmp_path / "ddp", app), test_metrics(tmp_path / "single", app)
    assert ours.keys() == theirs.keys()
    assert ours, "no test metrics"
    for key, value in theirs.items():
        tolerance = 0.05 if key.endswith("/loss") else 0.15
        assert ours[key] == pytest.approx(value, abs=tolerance), (key, ours, theirs)
