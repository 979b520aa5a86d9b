"""How the Titanic defaults were chosen: `refapps titanic cv`, one setting at a time.

    python studies/titanic/sweep.py features    # round 1: the three feature sets, every model
    python studies/titanic/sweep.py settings    # round 2: around the 30-epoch network
    python studies/titanic/sweep.py epochs60    # round 3: around the 60-epoch network

Every row is a 5-fold x 3 repeated stratified CV on the 712 TRAINING passengers (seed 0),
with the preprocessing fitted inside each fold; the 179-row test split is never read.
Rounds 1 and 2 start from the network before the study (16 units, 30 epochs, lr 5e-3,
weight decay 1e-3, one seed); round 3 from its result (60 epochs). See README.md here.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from apps.titanic.config import TRAIN_DEFAULTS, DataConfig, ModelConfig
from apps.titanic.extras.baselines import CLASSICAL
from apps.titanic.extras.cv import NETWORK, cross_validate

START = {"train": {"epochs": 30}}  # the network before the study
ROUNDS: dict[str, list[tuple[str, dict[str, dict[str, Any]]]]] = {
    "features": [(f, {"data": {"features": f}}) for f in ("basic", "extra", "groups")],
    "settings": [
        ("none", {}),
        *[(f"width {h}", {"model": {"hidden": h}}) for h in [(8,), (32,), (64,), (32, 16)]],
        *[(f"epochs {e}", {"train": {"epochs": e}}) for e in (15, 60)],
        *[(f"lr {lr:g}", {"train": {"lr": lr}}) for lr in (2e-3, 1.5e-2)],
        *[(f"weight decay {wd:g}", {"train": {"weight_decay": wd}}) for wd in (1e-2, 1e-1)],
        ("dropout 0.2", {"model": {"dropout": 0.2}}),
    ],
    "epochs60": [
        ("none: one network", {"train": {"epochs": 60}}),
        ("lr 1e-2", {"train": {"epochs": 60, "lr": 1e-2}}),
        ("width 64", {"train": {"epochs": 60}, "model": {"hidden": (64,)}}),
        ("ensemble of 3 seeds", {"train": {"epochs": 60}, "model": {"num_models": 3}}),
        (
            "ensemble of 3 seeds, width 64",
            {"train": {"epochs": 60}, "model": {"num_models": 3, "hidden": (64,)}},
        ),
    ],
}


def configs(changes: dict[str, dict[str, Any]]) -> tuple[DataConfig, ModelConfig, Any]:
    """The default configs with the round's start and this row's changes applied."""
    train = {**START["train"], **changes.get("train", {})}
    return (
        DataConfig(**changes.get("data", {})),
        ModelConfig(**changes.get("model", {})),
        dataclasses.replace(TRAIN_DEFAULTS, seed=0, **train),
    )


def run_round(name: str) -> None:
    models = (NETWORK, *CLASSICAL) if name == "features" else (NETWORK,)
    print(f"| change | {' | '.join(models)} | network ROC AUC |")
    print("|---" * (len(models) + 2) + "|")
    for label, changes in ROUNDS[name]:
        result = cross_validate(*configs(changes), 5, 3, models=models, write_run=False)
        rows = {r["model"]: r for r in result.rows}
        cells = [f"{rows[m]['cv/accuracy']:.3f}" for m in models]
        cells[0] += f" ± {rows[NETWORK]['cv/accuracy_std']:.3f}"
        print(f"| {label} | {' | '.join(cells)} | {rows[NETWORK]['cv/auroc']:.3f} |", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("round", choices=sorted(ROUNDS))
    run_round(parser.parse_args().round)
