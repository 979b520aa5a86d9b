"""`common.batches.TensorBatches`: in-memory batches, ordered or in a seeded new order."""

from __future__ import annotations

import torch

from common.batches import TensorBatches


def test_without_a_generator_batches_keep_the_order_and_the_tail():
    x, y = torch.arange(10).float()[:, None], torch.arange(10)
    batches = TensorBatches(x, y, 4)
    assert len(batches) == 3
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_shuffled_batches_pair_x_with_y_and_change_order_every_epoch():
    x, y = torch.arange(12).float()[:, None] * 10, torch.arange(12)
    batches = TensorBatches(x, y, 5, torch.Generator().manual_seed(0))
    first, second = list(batches), list(batches)
    for bx, by in first + second:
        assert torch.equal(bx[:, 0], by.float() * 10)  # rows stay paired
    assert sorted(torch.cat([by for _, by in first]).tolist()) == list(range(12))
    assert (
        torch.cat([by for _, by in first]).tolist() != torch.cat([by for _, by in second]).tolist()
    )
    # the same seed gives the same order: what resume and torchrun ranks rely on
    again = TensorBatches(x, y, 5, torch.Generator().manual_seed(0))
    assert [b[1].tolist() for b in again] == [b[1].tolist() for b in first]
