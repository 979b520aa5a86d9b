"""Learning-rate schedules that survive `--resume`, and how many steps an epoch really has.

    total = train_cfg.effective_epochs * steps_per_epoch(loaders.train, train_cfg)
    scheduler = one_cycle(optimizer, total)          # LambdaLR: warm up, then decay to 0

`steps_per_epoch` counts optimizer steps as the loops take them: this process's share under
torchrun, divided by `--grad-accum-steps`, one batch for `--dry-run`. A schedule sized from
`len(loader)` instead would stop half-way through its cycle on 2 processes.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from common.config import TrainConfig
from common.device import world_size

WARMUP_FRACTION = 0.3
START_FACTOR = 0.04


def steps_per_epoch(loader: Any, train_cfg: TrainConfig) -> int:
    """Optimizer steps per epoch for this process."""
    batches = len(loader) // world_size()  # the equal-steps shard of training.distributed
    if train_cfg.dry_run:
        batches = min(batches, 1)
    return max(1, math.ceil(batches / train_cfg.grad_accum_steps))


def one_cycle(
    optimizer: torch.optim.Optimizer,
    total_steps: int,
    warmup_fraction: float = WARMUP_FRACTION,
    start_factor: float = START_FACTOR,
) -> torch.optim.lr_scheduler.LambdaLR:
    """Per step: linear warm-up from `start_factor` x the LR to the LR, then linear decay to 0.

    Step it with `scheduler_interval="step"`. The factor is a plain function of the step (not
    OneCycleLR, whose saved state pins the step count), so a resumed run with more `--epochs`
    stretches the schedule instead of failing.
    """
    warmup_steps = max(1, round(warmup_fraction * total_steps))

    def factor(step: int) -> float:
        if step < warmup_steps:
            return start_factor + (1 - start_factor) * step / warmup_steps
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


class ResumableOneCycleLR(torch.optim.lr_scheduler.OneCycleLR):
    """OneCycleLR whose saved state does not pin the step count, so `--resume` may add epochs."""

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        pinned = ("total_steps", "_schedule_phases")
        super().load_state_dict({k: v for k, v in state_dict.items() if k not in pinned})
