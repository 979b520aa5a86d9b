"""Devices, seeds and random state, mixed precision, and which `torchrun` process this is.

    pick_device("auto")  # CUDA > MPS > CPU
    seed_everything(0)   # Python, NumPy, torch (and CUDA) from one seed
    capture_rng_state()  # all of them, as last.pt keeps them for a resume

Asking for a device that is not there is a `UserError`, not a CUDA traceback.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from common.errors import UserError

DEVICE_CHOICES = "auto, cpu, cuda, cuda:N, mps"


def pick_device(name: str = "auto") -> torch.device:
    """Turn "auto" | "cpu" | "cuda" | "cuda:N" | "mps" into a `torch.device` that exists.

    Raises:
        UserError: the name is unknown or that device is not available here.
    """
    name = name.strip().lower()
    if name == "auto":
        cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
        name = "cuda" if cuda else "mps" if mps else "cpu"
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        if not torch.backends.mps.is_available():
            raise UserError("--device mps asked for, but MPS is not available here; use cpu.")
        return torch.device("mps")
    match = re.fullmatch(r"cuda(?::(\d+))?", name)
    if match is None:
        raise UserError(f"Unknown device {name!r}; choose one of {DEVICE_CHOICES}.")
    if not torch.cuda.is_available():
        raise UserError(f"--device {name} asked for, but no CUDA GPU is visible; use cpu or auto.")
    # under torchrun a bare "cuda" means this process's GPU, not GPU 0 for every process
    index = int(match[1] or os.environ.get("LOCAL_RANK", "0"))
    if index >= torch.cuda.device_count():
        count = torch.cuda.device_count()
        raise UserError(f"--device {name}: only {count} CUDA device(s) here (0..{count - 1}).")
    return torch.device("cuda", index)


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; return a generator for DataLoader shuffling."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


def amp_dtype(device: torch.device, enabled: bool | None) -> torch.dtype | None:
    """The autocast dtype to use, or None for full precision.

    `enabled=None` means the default: bf16 on CUDA (fp16 where bf16 is unsupported), off
    elsewhere; bf16 on CPUs without bf16 hardware is slower than fp32.
    """
    if enabled is False or (enabled is None and device.type != "cuda"):
        return None
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        return torch.float16
    return torch.bfloat16


def autocast_for(
    device: torch.device, dtype: torch.dtype | None
) -> contextlib.AbstractContextManager:
    """`torch.autocast` for `dtype`, or a no-op context when `dtype` is None."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def make_grad_scaler(device: torch.device, dtype: torch.dtype | None) -> torch.amp.GradScaler:
    """A GradScaler that is only active for fp16 (bf16 and fp32 do not need loss scaling)."""
    return torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)


@contextlib.contextmanager
def fixed_threads(num_threads: int | None) -> Iterator[None]:
    """Temporarily pin torch's intra-op threads (bit-reproducible CPU runs need a fixed count)."""
    if num_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


# --- torchrun: it sets RANK and WORLD_SIZE before any of our code runs -------------------


def rank() -> int:
    """This process's rank in a torchrun job (0 alone)."""
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    """Processes in this torchrun job (1 alone)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_distributed() -> bool:
    return world_size() > 1


# --- every RNG, saved in last.pt and put back on resume ---------------------------------


def capture_rng_state() -> dict[str, Any]:
    """Every RNG the loops touch, as tensors and plain values (weights_only-loadable)."""
    np_state = np.random.get_state(legacy=False)
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "python": _to_lists(random.getstate()),
        "numpy": {
            "bit_generator": np_state["bit_generator"],
            "key": torch.from_numpy(np_state["state"]["key"].astype(np.int64)),
            "pos": int(np_state["state"]["pos"]),
            "has_gauss": int(np_state["has_gauss"]),
            "gauss": float(np_state["gauss"]),
        },
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    np_state = state["numpy"]
    np.random.set_state(
        {
            "bit_generator": np_state["bit_generator"],
            "state": {"key": np_state["key"].numpy().astype(np.uint32), "pos": np_state["pos"]},
            "has_gauss": np_state["has_gauss"],
            "gauss": np_state["gauss"],
        }
    )
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _to_lists(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_to_lists(v) for v in value]
    return value
