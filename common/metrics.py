"""Metric collections from torchmetrics, named `"{split}/{name}"` everywhere.

Metrics accumulate on the device with `update()` each batch and `compute()` once per epoch
(in sync across processes under DDP), so a data set's AUC is the data set's AUC, not an
average of batch AUCs. Binary and multiclass collections take raw logits: they apply the
sigmoid / softmax themselves, because torchmetrics' own "logits or probabilities?" guess
looks at each batch and is wrong for a batch of logits that all fall in [0, 1].
"""

from __future__ import annotations

import torch
from torchmetrics import Metric, MetricCollection
from torchmetrics.wrappers import LambdaInputTransformer


def _on_probs(metric: Metric, to_probs: object, to_target: object = None) -> Metric:
    return LambdaInputTransformer(metric, transform_pred=to_probs, transform_target=to_target)


def _sigmoid(logits: torch.Tensor) -> torch.Tensor:
    return logits.float().sigmoid()


def _softmax(logits: torch.Tensor) -> torch.Tensor:
    return logits.float().softmax(dim=-1)


def _second_of_two(logits: torch.Tensor) -> torch.Tensor:
    return logits.float().softmax(dim=-1)[:, 1]


def _as_long(targets: torch.Tensor) -> torch.Tensor:
    return targets.long()


def binary_metrics() -> MetricCollection:
    """Accuracy, ROC AUC, precision, recall and F1 for (B,) logits and 0/1 targets."""
    from torchmetrics import classification as c

    plain = {
        "accuracy": c.BinaryAccuracy(validate_args=False),
        "auroc": c.BinaryAUROC(validate_args=False),
        "precision": c.BinaryPrecision(validate_args=False),
        "recall": c.BinaryRecall(validate_args=False),
        "f1": c.BinaryF1Score(validate_args=False),
    }
    return MetricCollection({k: _on_probs(m, _sigmoid, _as_long) for k, m in plain.items()})


def two_logit_metrics() -> MetricCollection:
    """Accuracy, ROC AUC and F1 of class 1 for (B, 2) logits (a two-way softmax head)."""
    from torchmetrics import classification as c

    plain = {
        "accuracy": c.BinaryAccuracy(validate_args=False),
        "auroc": c.BinaryAUROC(validate_args=False),
        "f1": c.BinaryF1Score(validate_args=False),
    }
    return MetricCollection({k: _on_probs(m, _second_of_two, _as_long) for k, m in plain.items()})


def multiclass_metrics(num_classes: int) -> MetricCollection:
    """Accuracy and macro F1 for (B, C) logits and class-index targets."""
    from torchmetrics import classification as c

    plain = {
        "accuracy": c.MulticlassAccuracy(num_classes, average="micro", validate_args=False),
        "f1_macro": c.MulticlassF1Score(num_classes, average="macro", validate_args=False),
    }
    return MetricCollection({k: _on_probs(m, _softmax, _as_long) for k, m in plain.items()})


def regression_metrics() -> MetricCollection:
    """MAPE, sMAPE and MAE (the forecasting app's metrics)."""
    import torchmetrics.regression as r

    return MetricCollection(
        {
            "mape": r.MeanAbsolutePercentageError(),
            "smape": r.SymmetricMeanAbsolutePercentageError(),
            "mae": r.MeanAbsoluteError(),
        }
    )


def score(
    metrics: MetricCollection, logits: torch.Tensor, targets: torch.Tensor, split: str = "test"
) -> dict[str, float]:
    """Metrics of a whole split at once (all its logits), keyed `"{split}/{name}"`."""
    metrics.update(logits, targets)
    return {f"{split}/{k}": v for k, v in compute_metrics(metrics).items()}


def split_metrics(
    metrics: MetricCollection | None, split: str, device: torch.device | None = None
) -> MetricCollection | None:
    """A fresh copy of `metrics` (on `device`) whose keys read `"{split}/{name}"`.

    One object per split, so train and validation never add up into each other.
    """
    if metrics is None:
        return None
    copy = metrics.clone(prefix=f"{split}/")
    return copy if device is None else copy.to(device)


def compute_metrics(metrics: MetricCollection | None) -> dict[str, float]:
    """Compute, convert to floats (one host sync per epoch) and reset."""
    if metrics is None:
        return {}
    values = {k: float(v) for k, v in metrics.compute().items()}
    metrics.reset()
    return values
