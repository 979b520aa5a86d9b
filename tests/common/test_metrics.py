"""Metrics take logits, keep `split/name` keys, and are computed over the data set."""

from __future__ import annotations

import pytest
import torch
from torchmetrics.classification import BinaryAccuracy

from common.metrics import (
    binary_metrics,
    compute_metrics,
    multiclass_metrics,
    regression_metrics,
    score,
    split_metrics,
    two_logit_metrics,
)


def test_binary_metrics_apply_the_sigmoid_to_logits_in_0_1():
    logits = torch.tensor([0.2, 0.4, 0.6, 0.8])  # all predict class 1 after the sigmoid
    targets = torch.tensor([0.0, 0.0, 1.0, 1.0])
    raw = BinaryAccuracy()
    raw.update(logits, targets.long())
    assert float(raw.compute()) == 1.0  # torchmetrics alone takes these as probabilities
    metrics = split_metrics(binary_metrics(), "val")
    metrics.update(logits, targets)
    values = compute_metrics(metrics)
    assert values["val/accuracy"] == pytest.approx(0.5)
    assert values["val/recall"] == pytest.approx(1.0)
    assert values["val/precision"] == pytest.approx(0.5)


def test_metric_keys_are_split_slash_name():
    assert set(compute_metrics(_updated(split_metrics(binary_metrics(), "train")))) == {
        "train/accuracy",
        "train/auroc",
        "train/precision",
        "train/recall",
        "train/f1",
    }
    metrics = split_metrics(multiclass_metrics(3), "test")
    metrics.update(torch.tensor([[3.0, 0.0, 0.0], [0.0, 0.0, 2.0]]), torch.tensor([0, 1]))
    values = compute_metrics(metrics)
    assert set(values) == {"test/accuracy", "test/f1_macro"}
    assert values["test/accuracy"] == pytest.approx(0.5)


def _updated(metrics):
    metrics.update(torch.tensor([1.0, -1.0]), torch.tensor([1.0, 0.0]))
    return metrics


def test_auroc_is_the_data_sets_not_a_batch_average():
    """Each batch holds one class only (no batch AUC exists); the epoch's AUC is 1.0."""
    metrics = split_metrics(binary_metrics(), "val")
    metrics.update(torch.tensor([2.0, 3.0]), torch.tensor([1.0, 1.0]))
    metrics.update(torch.tensor([-2.0, -3.0]), torch.tensor([0.0, 0.0]))
    values = compute_metrics(metrics)
    assert values["val/auroc"] == pytest.approx(1.0)
    assert values["val/accuracy"] == pytest.approx(1.0)
    # compute_metrics resets: the next epoch starts empty
    metrics.update(torch.tensor([2.0, -2.0]), torch.tensor([0.0, 1.0]))
    assert compute_metrics(metrics)["val/accuracy"] == pytest.approx(0.0)


@pytest.mark.filterwarnings("ignore:No (negative|positive) samples")
def test_split_copies_are_independent():
    base = binary_metrics()
    train, val = split_metrics(base, "train"), split_metrics(base, "val")
    train.update(torch.tensor([5.0]), torch.tensor([1.0]))
    val.update(torch.tensor([5.0]), torch.tensor([0.0]))
    assert compute_metrics(train)["train/accuracy"] == 1.0
    assert compute_metrics(val)["val/accuracy"] == 0.0
    assert split_metrics(None, "val") is None
    assert compute_metrics(None) == {}


def test_regression_metrics():
    metrics = split_metrics(regression_metrics(), "val")
    metrics.update(torch.tensor([110.0, 90.0]), torch.tensor([100.0, 100.0]))
    values = compute_metrics(metrics)
    assert values["val/mae"] == pytest.approx(10.0)
    assert values["val/mape"] == pytest.approx(0.1)
    assert set(values) == {"val/mae", "val/mape", "val/smape"}


def test_two_logit_metrics_score_class_one_of_a_softmax_head():
    logits = torch.tensor([[2.0, 0.0], [0.0, 2.0], [0.0, 1.0], [1.0, 0.0]])  # (B, 2)
    targets = torch.tensor([0, 1, 0, 1])  # two right, two wrong
    values = score(two_logit_metrics(), logits, targets, "test")
    assert set(values) == {"test/accuracy", "test/auroc", "test/f1"}
    assert values["test/accuracy"] == pytest.approx(0.5)
    # P(class 1): positives 0.88 and 0.27, negatives 0.12 and 0.73: 3 of 4 pairs ranked right
    assert values["test/auroc"] == pytest.approx(0.75)


def test_score_gives_whole_split_values_under_split_keys():
    values = score(binary_metrics(), torch.tensor([1.0, -1.0, 2.0]), torch.tensor([1, 0, 0]), "x")
    assert values["x/accuracy"] == pytest.approx(2 / 3)
    assert all(isinstance(v, float) for v in values.values())
