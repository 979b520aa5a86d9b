"""Per-epoch records kept as `list[dict]`; the CSV (and TensorBoard) are rewritten each epoch.

Building a DataFrame once from a list of dicts is linear; growing one row by row is not.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.errors import UserError
from common.files import atomic_write


@dataclass
class History:
    """Epoch records like `{"epoch": 1, "train/loss": 0.6, "val/loss": 0.5, "lr": 0.01}`."""

    records: list[dict[str, Any]] = field(default_factory=list)
    run_dir: Path | None = None  # where history.csv (and tensorboard/) go; None: memory only
    tensorboard: bool = False
    _writer: Any = None

    def append(self, record: dict[str, Any]) -> None:
        self.records.append(dict(record))
        if self.run_dir is None:
            return
        csv_text = self.to_csv()
        atomic_write(self.run_dir / "history.csv", lambda tmp: tmp.write_text(csv_text, "utf-8"))
        if self.tensorboard:
            self._log_tensorboard(record)

    def to_csv(self) -> str:
        columns: list[str] = []
        for record in self.records:
            columns += [k for k in record if k not in columns]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.records)
        return buffer.getvalue()

    def _log_tensorboard(self, record: dict[str, Any]) -> None:
        if self._writer is None:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError as err:
                raise UserError(
                    "--tensorboard needs the tensorboard package: pip install tensorboard"
                ) from err
            self._writer = SummaryWriter(log_dir=str(self.run_dir / "tensorboard"))
        for key, value in record.items():
            if key != "epoch" and isinstance(value, int | float):
                self._writer.add_scalar(key, value, record["epoch"])
        self._writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
