"""The pieces every loop style calls inside an epoch: batches, update steps, stop checks.

    with stop_on_signals() as stop:                        # Ctrl-C / SIGTERM: stop cleanly
        for batch_index, batch in enumerate(limit_batches(loader, max_batches)):
            x, y = move_to(batch, device)
            ...forward, loss, backward...
            check_step(loss, stop, epochs_done, run_dir)    # a signal or a nan/inf loss
            if is_update_step(batch_index, accum, total): ...

They hold no state of their own, so the three styles stay the same loop written three ways.
A stop keeps the last completed epoch's checkpoint; the CLI prints the resume command and
exits 130 (SIGINT) or 143 (SIGTERM), the codes a shell or a scheduler expects.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from common.checkpoint import RESUME_CHECKPOINT
from common.errors import TrainingInterrupted, TrainingStopped


def move_to(batch: Any, device: torch.device) -> Any:
    """Move a tensor, or a tuple/list/dict of them, to `device` (non-blocking when pinned)."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return {k: move_to(v, device) for k, v in batch.items()}
    if isinstance(batch, Sequence) and not isinstance(batch, str):
        return type(batch)(move_to(v, device) for v in batch)
    return batch


def limit_batches(loader: Any, max_batches: int | None) -> Iterator[Any]:
    """The batches of `loader`, stopping after `max_batches` of them (None: every batch)."""
    for batch_index, batch in enumerate(loader):
        if max_batches is not None and batch_index >= max_batches:
            return
        yield batch


def num_batches(loader: Any, max_batches: int | None) -> int | None:
    """Batches per epoch (None for loaders without a length)."""
    try:
        total = len(loader)
    except TypeError:
        return None
    return total if max_batches is None else min(total, max_batches)


def is_update_step(batch_index: int, accum_steps: int, total: int | None) -> bool:
    """True on the batch that ends an accumulation group (or the epoch's last batch)."""
    return (batch_index + 1) % accum_steps == 0 or batch_index + 1 == total


def current_lr(optimizer: torch.optim.Optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


def step_scheduler_epoch(scheduler: Any, record: Mapping[str, float], monitor: str | None) -> None:
    """Per-epoch scheduler step; ReduceLROnPlateau gets the `monitor`ed value (or val/loss).

    `start_training` refuses a plateau scheduler without a validation split.
    """
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        scheduler.step(record.get(monitor or "val/loss", record["val/loss"]))
    else:
        scheduler.step()


def _in_job() -> bool:
    """True in a torchrun job of more than one process (collectives are needed)."""
    dist = torch.distributed
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def mean_loss(loss_sum: torch.Tensor, count: int) -> float:
    """Sum / count over the epoch; under torchrun, over every process's shard."""
    if _in_job():
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


class StopRequest:
    """Set by SIGINT/SIGTERM; `check_step` reads it between steps and stops cleanly."""

    signal_name: str | None = None  # "SIGINT" or "SIGTERM" once one arrived

    def raise_stop(self, epochs_done: int, run_dir: Path | None) -> None:
        """Stop now: this process was signalled, or (under torchrun) another one was."""
        name = self.signal_name or "SIGTERM"
        who = name if self.signal_name else f"{name} to another process of this job"
        kept = run_dir if run_dir and epochs_done else None
        saved = f" The last completed epoch ({epochs_done}) is saved in {kept}." if kept else ""
        raise TrainingInterrupted(
            f"Training stopped by {who} during epoch {epochs_done + 1}.{saved}",
            run_dir=str(kept) if kept else None,
            signal_name=name,
        )


@contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """Turn SIGINT/SIGTERM into a `StopRequest` for the duration of training (main thread only)."""
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return

    def handle(signum: int, _frame: object) -> None:
        request.signal_name = signal.Signals(signum).name

    previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield request
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def check_step(
    loss: torch.Tensor, stop: StopRequest, epochs_done: int, run_dir: Path | None
) -> None:
    """Stop at this step, before the optimizer step: on SIGINT/SIGTERM or a non-finite loss.

    Costs one host sync per step (the price of catching the very first bad loss, with or
    without a progress bar). Under torchrun the two flags are max-reduced over every
    process, so a signal or a bad loss on one rank stops all ranks at the same step and no
    rank is left waiting in a collective.
    """
    value = loss.item()  # the one sync; cheaper than torch.isfinite(...) then bool()
    signalled, bad = stop.signal_name is not None, not math.isfinite(value)
    if _in_job():
        flags = torch.tensor([float(signalled), float(bad)], device=loss.device)
        torch.distributed.all_reduce(flags, op=torch.distributed.ReduceOp.MAX)
        signalled, bad = (bool(v) for v in flags.tolist())
    if signalled:
        stop.raise_stop(epochs_done, run_dir)
    if bad:
        check_finite(value, epochs_done + 1, run_dir)
        check_finite(math.nan, epochs_done + 1, run_dir, "loss of another process")
