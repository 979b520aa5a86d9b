"""extras/options.py: the run of any option; with none set, the very run of the reading path."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from apps.imdb.extras.options import train as train_with_options
from apps.imdb.model import ImdbNgramNB
from apps.imdb.train import train


def test_without_options_it_trains_what_the_reading_path_trains(
    data_root: Path, tmp_path: Path, tiny: Any
) -> None:
    """The two copies of the steps must not drift apart: same weights, curve and decision."""
    plain = train(*tiny(tmp_path / "plain", epochs=1), progress=False)
    general = train_with_options(*tiny(tmp_path / "general", epochs=1), progress=False)
    for name in ("model.safetensors", "history.csv", "model.json", "tokenizer.json"):
        assert (plain.run_dir / name).read_bytes() == (general.run_dir / name).read_bytes(), name
    assert "stack" in json.loads((plain.run_dir / "model.json").read_text())
    assert plain.metrics == general.metrics


def test_a_resumed_option_run_chooses_with_a_fresh_model(
    data_root: Path, tmp_path: Path, tiny: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_cfg, model_cfg, train_cfg = tiny(tmp_path, epochs=1)
    model_cfg = dataclasses.replace(model_cfg, lexicon_stack=False)  # the held-out threshold
    first = train_with_options(data_cfg, model_cfg, train_cfg, progress=False)
    real_set_ratios, calls = ImdbNgramNB.set_ratios, []

    def spy(model: ImdbNgramNB, *args: Any) -> None:
        calls.append(1)
        real_set_ratios(model, *args)

    monkeypatch.setattr(ImdbNgramNB, "set_ratios", spy)
    resumed = dataclasses.replace(train_cfg, epochs=2, resume=first.run_dir)
    assert len(train_with_options(data_cfg, model_cfg, resumed, progress=False).history) == 2
    assert calls == [1]  # the held-out fit starts from NB ratios; the resumed model loads its own
