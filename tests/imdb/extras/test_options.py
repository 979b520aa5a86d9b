"""extras/options.py: the run of any option; with none set, the very run of the reading path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from apps.imdb.extras.options import train as train_with_options
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
