"""`refapps titanic cv`: the command's progress bar, table and verdicts around `cv.py`.

    refapps titanic cv --json     # the same rows as cv.json, for machines

Kept apart from `cv.py` so the CV itself stays free of printing (the bench calls it too).
"""

from __future__ import annotations

import json

from common.config import TrainConfig

from ..config import DataConfig, ModelConfig
from .baselines import CLASSICAL
from .cv import NETWORK, CvResult, cross_validate, paired_difference
from .rules import RULES


def verdicts(result: CvResult) -> list[str]:
    """The network against the best classical model and each rule, paired over the splits.

    "ABOVE" means the network's mean CV accuracy beats the other model's by more than one
    standard error of the paired difference; "WITHIN" or "BELOW" otherwise.
    """
    names = [r["model"] for r in result.rows]
    if NETWORK not in names:
        return []
    classical = [r for r in result.rows if r["model"] in CLASSICAL]
    others = [r["model"] for r in result.rows if r["model"] in RULES]
    if classical:
        others.insert(0, max(classical, key=lambda r: r["cv/accuracy"])["model"])
    lines = []
    for other in others:
        diff, se = paired_difference(result.folds, NETWORK, other)
        word = "ABOVE" if diff > se else ("BELOW" if diff < -se else "WITHIN")
        lines.append(
            f"{word}: the network minus {other}: {diff:+.4f} accuracy "
            f"(standard error of the paired difference {se:.4f})"
        )
    return lines


def run_cv_command(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    num_folds: int,
    num_repeats: int,
    as_json: bool,
    num_seeds: int = 1,
) -> None:
    """Run the CV with a progress bar, then print the table and the verdicts (or JSON)."""
    from rich.progress import Progress

    from common.console import console, dataframe_table

    with Progress(console=console, transient=True, disable=as_json) as bar:
        task = bar.add_task("cross-validation", total=num_folds * num_repeats * num_seeds)
        advance = lambda: bar.advance(task)  # noqa: E731
        splits = (num_folds, num_repeats)
        result = cross_validate(
            data_cfg, model_cfg, train_cfg, *splits, on_fold=advance, num_seeds=num_seeds
        )
    if as_json:
        print(json.dumps({"run_dir": str(result.run_dir), "models": result.rows}))
        return
    shown = [
        {
            "model": r["model"],
            "kind": r["kind"],
            "cv/accuracy": f"{r['cv/accuracy']:.4f} ± {r['cv/accuracy_std']:.4f}",
            "se": f"{r['cv/accuracy_se']:.4f}",
            "cv/auroc": f"{r['cv/auroc']:.4f} ± {r['cv/auroc_std']:.4f}",
            "fit s": f"{r['fit_seconds']:.2f}",
        }
        for r in result.rows
    ]
    seeds = f", {num_seeds} seeds" if num_seeds > 1 else ""
    title = f"{num_folds}-fold x {num_repeats} CV{seeds} on the training split (mean ± std)"
    console.print(dataframe_table(shown, title=title))
    for line in verdicts(result):
        console.print(line)
    console.print(f"Wrote {result.run_dir / 'cv.json'}")
