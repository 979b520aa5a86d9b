"""Training options shared by every app, as one frozen dataclass the CLI fills in.

Torch-free on purpose: `refapps --help` builds its options from these defaults without
importing torch. Each app makes its own defaults with `dataclasses.replace(TrainConfig(), ...)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from common.errors import UserError

LOOP_STYLES: tuple[str, ...] = ("script", "function", "class")


@dataclass(frozen=True)
class TrainConfig:
    """Everything about *how* to train; *what* to train lives in the app's configs."""

    epochs: int | None = 10  # None only with `resume`: the resumed run's own count
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.0
    device: str = "auto"
    seed: int = 0
    loop: str = "script"
    amp: bool | None = None  # None: bf16 autocast on CUDA, off elsewhere
    grad_clip: float | None = None
    grad_accum_steps: int = 1  # batches whose gradients add up to one optimizer step
    monitor: str = "val/loss"
    mode: str = "min"
    patience: int | None = None  # epochs without improvement before early stopping
    runs_dir: Path = Path("runs")
    resume: Path | None = None
    dry_run: bool = False  # one batch per epoch, one epoch
    max_samples: int | None = None
    tensorboard: bool = False
    num_threads: int | None = None

    def __post_init__(self) -> None:
        checks = [
            (self.epochs is not None or self.resume is not None, "--epochs is missing"),
            (
                self.epochs is None or self.epochs >= 1,
                f"--epochs must be at least 1 (got {self.epochs})",
            ),
            (self.batch_size >= 1, f"--batch-size must be at least 1 (got {self.batch_size})"),
            (self.lr > 0, f"--lr must be positive (got {self.lr})"),
            (self.weight_decay >= 0, f"--weight-decay must be >= 0 (got {self.weight_decay})"),
            (self.loop in LOOP_STYLES, f"--loop must be one of {', '.join(LOOP_STYLES)}"),
            (self.mode in ("min", "max"), f"mode must be 'min' or 'max' (got {self.mode!r})"),
            (self.grad_accum_steps >= 1, "--grad-accum-steps must be at least 1"),
            (self.max_samples is None or self.max_samples >= 1, "--max-samples must be >= 1"),
            (self.grad_clip is None or self.grad_clip > 0, "--grad-clip must be positive"),
            (self.patience is None or self.patience >= 1, "--patience must be at least 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise UserError(message)

    @property
    def effective_epochs(self) -> int:
        """Epochs to train: one for `--dry-run`, else `epochs` (set by `run_configs` on resume)."""
        if self.epochs is None:
            raise ValueError("epochs is None: pass the configs through common.runs.run_configs")
        return 1 if self.dry_run else self.epochs
