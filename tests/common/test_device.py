"""Device selection, seeding, AMP defaults and thread pinning; GPU checks marked `gpu`."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from common.device import (
    amp_dtype,
    autocast_for,
    fixed_threads,
    make_grad_scaler,
    pick_device,
    seed_everything,
)
from common.errors import UserError

no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA messages")


@pytest.mark.parametrize("name", ["cpu", "CPU", " cpu "])
def test_cpu_by_name(name):
    assert pick_device(name) == torch.device("cpu")


def test_auto_is_the_best_available():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available() and torch.backends.mps.is_available():
        expected = "mps"
    assert pick_device("auto").type == expected


@no_cuda
@pytest.mark.parametrize("name", ["cuda", "cuda:3"])
def test_missing_cuda_is_a_user_error(name):
    with pytest.raises(UserError, match=f"--device {name} asked for.*no CUDA GPU.*cpu"):
        pick_device(name)


@pytest.mark.skipif(torch.backends.mps.is_available(), reason="MPS is present here")
def test_missing_mps_is_a_user_error():
    with pytest.raises(UserError, match="MPS is not available"):
        pick_device("mps")


@pytest.mark.parametrize("name", ["tpu", "cuda:x", "gpu0", ""])
def test_unknown_device_lists_the_choices(name):
    with pytest.raises(UserError, match=r"Unknown device.*auto, cpu, cuda, cuda:N, mps"):
        pick_device(name)


def test_amp_defaults_on_cpu():
    cpu = torch.device("cpu")
    assert amp_dtype(cpu, None) is None
    assert amp_dtype(cpu, False) is None
    assert amp_dtype(cpu, True) is torch.bfloat16
    with autocast_for(cpu, None):
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.float32
    assert not make_grad_scaler(cpu, None).is_enabled()


def test_seed_everything_drives_every_rng():
    def draws(generator):
        perm = torch.randperm(10, generator=generator)
        return random.random(), float(np.random.rand()), float(torch.rand(1)), perm.tolist()

    assert draws(seed_everything(7)) == draws(seed_everything(7))
    assert draws(seed_everything(7)) != draws(seed_everything(8))


def test_fixed_threads_pins_and_restores():
    before = torch.get_num_threads()
    with fixed_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with fixed_threads(None):
        assert torch.get_num_threads() == before


@pytest.mark.gpu
def test_cuda_defaults_to_bf16_autocast_and_trains(tiny):
    from torch import nn

    from common.training.keras_style import KerasModel

    device = pick_device("cuda")
    assert amp_dtype(device, None) in (torch.bfloat16, torch.float16)
    assert amp_dtype(device, False) is None
    with autocast_for(device, amp_dtype(device, None)):
        out = torch.ones(4, 4, device=device) @ torch.ones(4, 4, device=device)
    assert out.dtype == amp_dtype(device, None)
    generator = seed_everything(0)
    train_loader, val_loader = tiny.make_loaders(generator)
    model = tiny.TinyNet()
    keras = KerasModel(
        model, nn.BCEWithLogitsLoss(), torch.optim.AdamW(model.parameters()), device="cuda"
    )
    history = keras.fit(train_loader, val_loader, 2, progress=False)
    assert all(np.isfinite(r["train/loss"]) for r in history.records)
    assert all(p.dtype == torch.float32 and p.is_cuda for p in model.parameters())


@pytest.mark.gpu
def test_non_blocking_transfer_of_pinned_batches():
    from common.training.steps import move_to

    x = torch.arange(1000.0).pin_memory()
    batch = move_to({"x": x, "pair": (x, x + 1)}, torch.device("cuda"))
    torch.cuda.synchronize()
    assert batch["x"].is_cuda
    assert torch.equal(batch["pair"][1].cpu(), x + 1)


@pytest.mark.gpu
def test_bad_cuda_index_names_the_count():
    with pytest.raises(UserError, match="CUDA device"):
        pick_device(f"cuda:{torch.cuda.device_count()}")
