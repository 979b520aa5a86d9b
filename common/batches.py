"""Batches of tensors that are already in memory, without a DataLoader.

    batches = TensorBatches(x, y, 128, torch.Generator().manual_seed(0))  # training
    ordered = TensorBatches(x, y, 4096)                                    # evaluation

A DataLoader costs a Python call per sample; a set that sits in memory (on the GPU, even)
is faster cut by index. Each epoch draws a new permutation from `generator`, which the
loops save and restore for `--resume` and which `common.training.distributed` shares
between ranks, so this works under torchrun as it is.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch


class TensorBatches:
    """Shuffled (or, without a generator, ordered) batches of `(x, y)` tensors."""

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        batch_size: int,
        generator: torch.Generator | None = None,
    ) -> None:
        self.x, self.y, self.batch_size = x, y, batch_size
        self.generator = generator  # None: keep the order (evaluation)

    def __len__(self) -> int:
        return (len(self.y) + self.batch_size - 1) // self.batch_size

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        if self.generator is None:
            for start in range(0, len(self.y), self.batch_size):
                rows = slice(start, start + self.batch_size)
                yield self.x[rows], self.y[rows]
            return
        # drawn on the CPU generator (what resume saves), then moved to where the data is
        order = torch.randperm(len(self.y), generator=self.generator).to(self.y.device)
        for start in range(0, len(self.y), self.batch_size):
            index = order[start : start + self.batch_size]
            yield self.x[index], self.y[index]
