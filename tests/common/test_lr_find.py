"""The LR range test suggests a finite rate and leaves the model and optimizer untouched."""

from __future__ import annotations

import math

import torch
from torch import nn

from common.lr_find import lr_range_test, plot_lr_find


def test_lr_range_test_suggests_and_restores(tiny, cpu, tmp_path):
    generator = tiny.seed_everything(0)
    train_loader, _ = tiny.make_loaders(generator)
    model = tiny.TinyNet()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    optimizer.step()  # give the optimizer some state to restore
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = lr_range_test(
        model, nn.BCEWithLogitsLoss(), optimizer, train_loader, cpu, num_steps=40, end_lr=10.0
    )
    assert math.isfinite(result.suggested_lr)
    assert 1e-6 <= result.suggested_lr <= 1.0
    assert len(result.lrs) == len(result.losses) >= 10
    assert all(b > a for a, b in zip(result.lrs, result.lrs[1:], strict=False))
    assert all(math.isfinite(v) for v in result.losses)
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert optimizer.param_groups[0]["lr"] == 3e-3
    path = plot_lr_find(result, tmp_path / "lr_find.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
    assert result.plot_path == path


def test_add_lr_find_command_mounts_a_working_command(tiny, tmp_path):
    import typer
    from typer.testing import CliRunner

    from common.commands import add_lr_find_command
    from common.config import TrainConfig
    from common.lr_find import find_lr

    received = []

    def find(train_cfg):
        received.append(train_cfg)
        generator = tiny.seed_everything(train_cfg.seed)
        train_loader, _ = tiny.make_loaders(generator)
        model = tiny.TinyNet()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        plot = train_cfg.runs_dir / "alpha" / "lr_find.png"
        return find_lr(
            model, nn.BCEWithLogitsLoss(), optimizer, train_loader, torch.device("cpu"), plot
        )

    app = typer.Typer()
    app.command()(lambda: None)  # a second command, so lr-find is a sub-command
    add_lr_find_command(app, find, TrainConfig(seed=3))
    result = CliRunner().invoke(app, ["lr-find", "--runs-dir", str(tmp_path), "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "Suggested learning rate" in result.output
    assert (received[0].seed, received[0].runs_dir) == (5, tmp_path)
    assert (tmp_path / "alpha" / "lr_find.png").is_file()


def test_schedules_count_the_steps_the_loops_take(monkeypatch):
    from common.config import TrainConfig
    from common.training.schedules import one_cycle, steps_per_epoch

    loader = list(range(10))  # 10 batches
    assert steps_per_epoch(loader, TrainConfig()) == 10
    assert steps_per_epoch(loader, TrainConfig(grad_accum_steps=3)) == 4
    assert steps_per_epoch(loader, TrainConfig(dry_run=True)) == 1
    monkeypatch.setenv("WORLD_SIZE", "4")
    assert steps_per_epoch(loader, TrainConfig()) == 2  # this rank's equal share under torchrun
    monkeypatch.delenv("WORLD_SIZE")
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=1.0)
    scheduler = one_cycle(optimizer, total_steps=10)
    lrs = []
    for _ in range(10):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert lrs[0] < lrs[3] == max(lrs)
    assert optimizer.param_groups[0]["lr"] == 0.0
