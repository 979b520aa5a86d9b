"""Small pieces every loop style calls inside an epoch: batches, update steps, checks, losses.

    x, y = move_to(batch, device)
    check_step(loss, stop, state, options.run_dir)   # signal or non-finite loss: stop here
    if is_update_step(batch_index, options.grad_accum_steps, total): ...

They hold no state of their own, so the three styles stay the same loop written three ways.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from common.checkpoint import RESUME_CHECKPOINT
from common.errors import TrainingStopped

if TYPE_CHECKING:
    from common.training.options import LoopOptions
    from common.training.signals import StopRequest
    from common.training.state import LoopState


def move_to(batch: Any, device: torch.device) -> Any:
    """Move a tensor, or a tuple/list/dict of them, to `device` (non-blocking when pinned)."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return {k: move_to(v, device) for k, v in batch.items()}
    if isinstance(batch, Sequence) and not isinstance(batch, str):
        return type(batch)(move_to(v, device) for v in batch)
    return batch


def current_lr(optimizer: torch.optim.Optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


def step_scheduler_epoch(scheduler: Any, record: Mapping[str, float], options: LoopOptions) -> None:
    """Per-epoch scheduler step; ReduceLROnPlateau gets the monitored value (or val/loss).

    `start_training` refuses a plateau scheduler without a validation split.
    """
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        scheduler.step(record.get(options.monitor or "val/loss", record["val/loss"]))
    else:
        scheduler.step()


def num_batches(loader: Any, options: LoopOptions) -> int | None:
    """Batches per epoch (None for loaders without a length)."""
    try:
        total = len(loader)
    except TypeError:
        return None
    return total if options.max_batches is None else min(total, options.max_batches)


def limit_batches(loader: Any, max_batches: int | None) -> Iterator[Any]:
    """The batches of `loader`, stopping after `max_batches` of them (None: every batch)."""
    for batch_index, batch in enumerate(loader):
        if max_batches is not None and batch_index >= max_batches:
            return
        yield batch


def is_update_step(batch_index: int, accum_steps: int, total: int | None) -> bool:
    """True on the batch that ends an accumulation group (or the epoch's last batch)."""
    return (batch_index + 1) % accum_steps == 0 or batch_index + 1 == total


def distributed_world() -> int:
    """Processes in the torch.distributed job this process belongs to (1 when alone)."""
    dist = torch.distributed
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def mean_loss(loss_sum: torch.Tensor, count: int) -> float:
    """Sum / count over the epoch; under torchrun, over every process's shard."""
    if distributed_world() > 1:
        totals = torch.stack([loss_sum.float(), torch.tensor(float(count), device=loss_sum.device)])
        torch.distributed.all_reduce(totals)
        return float(totals[0] / totals[1].clamp(min=1))
    return float(loss_sum) / max(count, 1)


def check_finite(loss_value: float, epoch: int, run_dir: Path | None, what: str = "loss") -> None:
    """Raise `TrainingStopped` (naming the kept checkpoint) when `loss_value` is nan or inf."""
    if math.isfinite(loss_value):
        return
    # promise a checkpoint (and a resume command) only when one was written
    kept = run_dir is not None and (Path(run_dir) / RESUME_CHECKPOINT).is_file()
    where = f" The last good checkpoint is kept in {run_dir}." if kept else ""
    raise TrainingStopped(
        f"Training stopped: the {what} became {loss_value} in epoch {epoch}.{where} "
        "Try a lower --lr, gradient clipping (--grad-clip 1.0) or --no-amp.",
        run_dir=str(run_dir) if kept else None,
    )


def check_step(
    loss: torch.Tensor, stop: StopRequest, state: LoopState, run_dir: Path | None
) -> None:
    """Stop at this step, before the optimizer step: on SIGINT/SIGTERM or a non-finite loss.

    Costs one host sync per step (the price of catching the very first bad loss, with or
    without a progress bar). Under torchrun the two flags are max-reduced over every
    process, so a signal or a bad loss on one rank stops all ranks at the same step and no
    rank is left waiting in a collective.
    """
    value = loss.item()  # the one sync; cheaper than torch.isfinite(...) then bool()
    signalled, bad = stop.signal_name is not None, not math.isfinite(value)
    if distributed_world() > 1:
        flags = torch.tensor([float(signalled), float(bad)], device=loss.device)
        torch.distributed.all_reduce(flags, op=torch.distributed.ReduceOp.MAX)
        signalled, bad = (bool(v) for v in flags.tolist())
    if signalled:
        stop.raise_stop(state, run_dir)
    if bad:
        check_finite(value, state.epoch + 1, run_dir)
        check_finite(math.nan, state.epoch + 1, run_dir, "loss of another process")
