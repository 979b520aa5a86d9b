"""Class style: a Keras-like `KerasModel` with `fit`, `evaluate`, `predict` and `summary`.

    model = KerasModel(net, loss_fn, optimizer, metrics=binary_metrics())
    history = model.fit(train_loader, val_loader, epochs=10, run_dir=Path("runs/x"))

The loss, optimizer and metrics are given to the constructor, never attached to `net`.
On top of the other two styles it adds user callbacks, gradient accumulation, resume, and
DistributedDataParallel when started by `torchrun --nproc_per_node=N`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torchmetrics import MetricCollection

from common.console import TrainingProgress
from common.device import (
    amp_dtype,
    autocast_for,
    is_distributed,
    make_grad_scaler,
    pick_device,
    setup_distributed,
)
from common.errors import UserError
from common.metrics import compute_metrics, split_metrics
from common.training.history import History
from common.training.state import (
    LoopOptions,
    LoopState,
    begin_training,
    check_finite,
    current_lr,
    end_epoch,
    finish_training,
    move_to,
    num_batches,
    remaining_epochs,
    step_scheduler_epoch,
    stop_on_signals,
)


class Callback:
    """Override any of these; set `keras_model.stop_training = True` to stop after an epoch."""

    def on_fit_start(self, keras_model: KerasModel) -> None: ...

    def on_epoch_end(self, keras_model: KerasModel, record: dict[str, Any]) -> None: ...

    def on_fit_end(self, keras_model: KerasModel, history: History) -> None: ...


class KerasModel:
    """Holds the network with its loss, optimizer, metrics and scheduler, given explicitly."""

    def __init__(
        self,
        net: torch.nn.Module,
        loss_fn: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        metrics: MetricCollection | None = None,
        scheduler: Any = None,
        scheduler_interval: str = "epoch",
        device: str | torch.device = "auto",
        amp: bool | None = None,
        grad_clip: float | None = None,
        grad_accum_steps: int = 1,
        callbacks: Sequence[Callback] = (),
    ) -> None:
        self.net = net
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.metrics = metrics
        self.scheduler = scheduler
        self.scheduler_interval = scheduler_interval
        self.device = device if isinstance(device, torch.device) else pick_device(device)
        self.amp = amp
        self.grad_clip = grad_clip
        self.grad_accum_steps = grad_accum_steps
        self.callbacks = list(callbacks)
        self.stop_training = False
        self.history: History | None = None
        self.rank, self.world_size = 0, 1

    # --- fit ----------------------------------------------------------------------------

    def fit(
        self,
        train_loader: Any,
        val_loader: Any,
        epochs: int,
        monitor: str = "val/loss",
        mode: str = "min",
        patience: int | None = None,
        run_dir: Path | None = None,
        resume: Path | None = None,
        max_batches: int | None = None,
        progress: bool = True,
        tensorboard: bool = False,
    ) -> History:
        """Train for `epochs` (or until early stopping); files go to `run_dir` from rank 0."""
        model = self._prepare_distributed()
        if self.world_size > 1:
            train_loader = shard_loader(train_loader, self.rank, self.world_size)
            val_loader = shard_loader(val_loader, self.rank, self.world_size)
        is_main = self.rank == 0
        opt = LoopOptions(
            device=self.device,
            amp_dtype=amp_dtype(self.device, self.amp),
            grad_clip=self.grad_clip,
            scheduler_interval=self.scheduler_interval,
            monitor=monitor,
            mode=mode,
            patience=patience,
            run_dir=run_dir if is_main else None,
            resume=resume,
            max_batches=max_batches,
            progress=progress and is_main,
            tensorboard=tensorboard,
        )
        self._options = opt
        scaler = make_grad_scaler(self.device, opt.amp_dtype)
        train_metrics, val_metrics = (
            split_metrics(self.metrics, "train"),
            split_metrics(self.metrics, "val"),
        )
        for m in (train_metrics, val_metrics):
            if m is not None:
                m.to(self.device)
        state = begin_training(opt, model, self.optimizer, self.scheduler, scaler, train_loader)
        self.history = state.history
        self.stop_training = False
        for callback in self.callbacks:
            callback.on_fit_start(self)
        with stop_on_signals() as stop, TrainingProgress(opt.progress) as bar:
            for epoch in remaining_epochs(state, epochs):
                sampler = getattr(train_loader, "sampler", None)
                if hasattr(sampler, "set_epoch"):
                    sampler.set_epoch(epoch)
                bar.start(f"epoch {epoch}/{epochs} train", num_batches(train_loader, opt))
                record: dict[str, Any] = {"epoch": epoch}
                record |= self._train_epoch(
                    model, train_loader, scaler, state, train_metrics, bar, stop
                )
                bar.start(f"epoch {epoch}/{epochs} valid", num_batches(val_loader, opt))
                record |= self._run_eval(model, val_loader, val_metrics, "val", bar)
                record["lr"] = current_lr(self.optimizer)
                if self.scheduler is not None and opt.scheduler_interval == "epoch":
                    step_scheduler_epoch(self.scheduler, record, opt.monitor)
                stop_now = end_epoch(
                    state,
                    record,
                    opt,
                    model,
                    self.optimizer,
                    self.scheduler,
                    scaler,
                    train_loader,
                    is_main,
                )
                bar.epoch_summary(record)
                for callback in self.callbacks:
                    callback.on_epoch_end(self, record)
                if stop_now or self.stop_training:
                    break
        history = finish_training(state, opt, model)
        for callback in self.callbacks:
            callback.on_fit_end(self, history)
        return history

    def _train_epoch(
        self,
        model: torch.nn.Module,
        loader: Any,
        scaler: torch.amp.GradScaler,
        state: LoopState,
        metrics: MetricCollection | None,
        bar: TrainingProgress,
        stop: Any,
    ) -> dict[str, float]:
        opt, accum = self._options, self.grad_accum_steps
        batches_per_epoch = num_batches(loader, opt)
        model.train()
        # DDP: skip the gradient all-reduce on accumulation-only steps
        no_sync = getattr(model, "no_sync", None) if accum > 1 else None
        loss_sum, count = torch.zeros((), device=self.device), 0
        for batch_index, batch in enumerate(loader):
            if opt.max_batches is not None and batch_index >= opt.max_batches:
                break
            stop.check(state, opt.run_dir)
            is_update = (batch_index + 1) % accum == 0 or batch_index + 1 == batches_per_epoch
            x, y = move_to(batch, self.device)
            sync = contextlib.nullcontext() if is_update or no_sync is None else no_sync()
            with sync:
                with autocast_for(self.device, opt.amp_dtype):
                    logits = model(x)
                    loss = self.loss_fn(logits, y)
                scaler.scale(loss / accum if accum > 1 else loss).backward()
            if is_update:
                if opt.grad_clip is not None:
                    scaler.unscale_(self.optimizer)
                    torch.nn.utils.clip_grad_norm_(model.parameters(), opt.grad_clip)
                scaler.step(self.optimizer)
                scaler.update()
                self.optimizer.zero_grad(set_to_none=True)
                if self.scheduler is not None and opt.scheduler_interval == "step":
                    self.scheduler.step()
                state.step += 1
            loss_sum.add_(loss.detach().float(), alpha=len(y))
            count += len(y)
            if metrics is not None:
                metrics.update(logits.detach(), y)
            if bar.due():
                running = float(loss_sum) / count
                check_finite(running, state.epoch + 1, opt.run_dir)
                bar.advance(f"loss {running:.4f}")
            else:
                bar.advance()
        return {"train/loss": self._mean_loss(loss_sum, count)} | compute_metrics(metrics)

    @torch.no_grad()
    def _run_eval(
        self,
        model: torch.nn.Module,
        loader: Any,
        metrics: MetricCollection | None,
        split: str,
        bar: TrainingProgress | None = None,
    ) -> dict[str, float]:
        opt = self._options
        model.eval()
        loss_sum, count = torch.zeros((), device=self.device), 0
        for batch_index, batch in enumerate(loader):
            if opt.max_batches is not None and batch_index >= opt.max_batches:
                break
            x, y = move_to(batch, self.device)
            with autocast_for(self.device, opt.amp_dtype):
                logits = model(x)
                loss = self.loss_fn(logits, y)
            loss_sum.add_(loss.detach().float(), alpha=len(y))
            count += len(y)
            if metrics is not None:
                metrics.update(logits, y)
            if bar is not None:
                bar.advance()
        return {f"{split}/loss": self._mean_loss(loss_sum, count)} | compute_metrics(metrics)

    def _mean_loss(self, loss_sum: torch.Tensor, count: int) -> float:
        if self.world_size > 1:  # every process holds a shard: add up sums and counts
            totals = torch.stack([loss_sum, torch.tensor(float(count), device=loss_sum.device)])
            torch.distributed.all_reduce(totals)
            return float(totals[0] / totals[1].clamp(min=1))
        return float(loss_sum) / max(count, 1)

    def _prepare_distributed(self) -> torch.nn.Module:
        self.net.to(self.device)
        if not is_distributed():
            return self.net
        ctx = setup_distributed(self.device.type)
        self.rank, self.world_size, self.device = ctx.rank, ctx.world_size, ctx.device
        self.net.to(self.device)
        device_ids = [self.device.index] if self.device.type == "cuda" else None
        return torch.nn.parallel.DistributedDataParallel(self.net, device_ids=device_ids)

    # --- evaluate / predict / summary ---------------------------------------------------------

    def evaluate(
        self, loader: Any, split: str = "val", max_batches: int | None = None
    ) -> dict[str, float]:
        """Loss and metrics over one pass of `loader`, keyed `"{split}/{name}"`."""
        self._options = LoopOptions(
            device=self.device, amp_dtype=amp_dtype(self.device, self.amp), max_batches=max_batches
        )
        self.net.to(self.device)
        metrics = split_metrics(self.metrics, split)
        if metrics is not None:
            metrics.to(self.device)
        return self._run_eval(self.net, loader, metrics, split)

    @torch.no_grad()
    def predict(self, loader: Any) -> torch.Tensor:
        """Concatenated raw outputs (logits) for every batch; batches may be `x` or `(x, y)`."""
        self.net.to(self.device).eval()
        outputs = []
        dtype = amp_dtype(self.device, self.amp)
        for batch in loader:
            x = batch[0] if isinstance(batch, tuple | list) else batch
            with autocast_for(self.device, dtype):
                outputs.append(self.net(move_to(x, self.device)).float().cpu())
        return torch.cat(outputs)

    def summary(self, input_data: Any = None, input_size: Any = None, **kwargs: Any) -> Any:
        """A torchinfo layer table (pass an example batch or an input size)."""
        from torchinfo import summary

        return summary(self.net, input_data=input_data, input_size=input_size, verbose=0, **kwargs)


def shard_loader(loader: Any, rank: int, world_size: int) -> Any:
    """The same DataLoader, but reading only this process's share (DistributedSampler)."""
    from torch.utils.data import DataLoader, DistributedSampler, RandomSampler

    if not isinstance(loader, DataLoader):
        raise UserError("Multi-process training needs torch DataLoaders (use the default loaders).")
    shuffle = isinstance(loader.sampler, RandomSampler)
    seed = (
        int(torch.empty((), dtype=torch.int64).random_(generator=loader.generator))
        if shuffle
        else 0
    )
    sampler = DistributedSampler(
        loader.dataset, num_replicas=world_size, rank=rank, shuffle=shuffle, seed=seed
    )
    return DataLoader(
        loader.dataset,
        batch_size=loader.batch_size,
        sampler=sampler,
        num_workers=loader.num_workers,
        collate_fn=loader.collate_fn,
        pin_memory=loader.pin_memory,
        drop_last=loader.drop_last,
    )
