"""`refapps titanic cv`: the command's progress bar, table and verdict around `cv.py`.

    refapps titanic cv --json     # the same rows as cv.json, for machines

Kept apart from `cv.py` so the CV itself stays free of printing (the bench calls it too).
"""

from __future__ import annotations

import json
from typing import Any

from common.config import TrainConfig

from ..config import DataConfig, ModelConfig
from .cv import NETWORK, cross_validate


def network_verdict(rows: list[dict[str, Any]]) -> str:
    """Is the network within one standard error of the best classical model?"""
    network = next(r for r in rows if r["model"] == NETWORK)
    classical = [r for r in rows if r["model"] != NETWORK]
    if not classical:
        return ""
    best = max(classical, key=lambda r: r["cv/accuracy"])
    bar = best["cv/accuracy"] - best["cv/accuracy_se"]
    ok = network["cv/accuracy"] >= bar
    return (
        f"{'OK' if ok else 'BELOW'}: the network's CV accuracy {network['cv/accuracy']:.4f} vs "
        f"the best classical model ({best['model']}) {best['cv/accuracy']:.4f} minus one "
        f"standard error = {bar:.4f}"
    )


def run_cv_command(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    num_folds: int,
    num_repeats: int,
    as_json: bool,
) -> None:
    from rich.progress import Progress

    from common.console import console, dataframe_table

    with Progress(console=console, transient=True, disable=as_json) as bar:
        task = bar.add_task("cross-validation", total=num_folds * num_repeats)
        result = cross_validate(
            data_cfg,
            model_cfg,
            train_cfg,
            num_folds,
            num_repeats,
            on_fold=lambda: bar.advance(task),
        )
    if as_json:
        print(json.dumps({"run_dir": str(result.run_dir), "models": result.rows}))
        return
    shown = [
        {
            "model": r["model"],
            "kind": r["kind"],
            "cv/accuracy": f"{r['cv/accuracy']:.4f} ± {r['cv/accuracy_std']:.4f}",
            "cv/auroc": f"{r['cv/auroc']:.4f} ± {r['cv/auroc_std']:.4f}",
            "fit s": f"{r['fit_seconds']:.2f}",
        }
        for r in result.rows
    ]
    title = f"{num_folds}-fold x {num_repeats} CV on the training split (mean ± std)"
    console.print(dataframe_table(shown, title=title))
    console.print(network_verdict(result.rows))
    console.print(f"Wrote {result.run_dir / 'cv.json'}")
