"""`--num-models N`: members trained with their own seeds, averaged, saved as one model."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import torch
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from apps.cli import app
from apps.titanic.config import APP, DataConfig, ModelConfig
from apps.titanic.predict import load_predictor
from apps.titanic.train import train

PAGE = str(Path(__file__).resolve().parents[3] / "apps" / APP / "demo.py")


def test_members_differ_and_the_output_averages_them(ensemble_run: Path) -> None:
    model = load_predictor(ensemble_run).model
    first, second = (m.linear.weight for m in model.members)
    assert not torch.equal(first, second)  # each member has its own seed
    x = torch.randn(5, first.shape[1])
    expected = torch.stack([m(x).sigmoid() for m in model.members]).mean(0)
    assert torch.allclose(model(x).sigmoid(), expected, atol=1e-5)


def test_member_0_is_trained_exactly_as_the_default_network(
    ensemble_run: Path, data_cfg: DataConfig, make_train_cfg, tmp_path: Path
) -> None:
    single = train(data_cfg, ModelConfig(hidden=(8,)), make_train_cfg(tmp_path), progress=False)
    alone = load_predictor(single.run_dir).model.members[0].state_dict()
    member_0 = load_predictor(ensemble_run).model.members[0].state_dict()
    assert all(torch.equal(alone[k], member_0[k]) for k in alone)
    history = pd.read_csv(ensemble_run / "history.csv")  # member 0's curve
    assert history.equals(pd.read_csv(single.run_dir / "history.csv"))


def test_cli_trains_an_ensemble_and_resumes_it_as_one(
    train_csv: Path, test_csv: Path, tmp_path: Path
) -> None:
    data = ("--train-csv", train_csv, "--test-csv", test_csv, "--runs-dir", tmp_path)
    small = ("--epochs", 1, "--batch-size", 16, "--hidden", 4)
    first = CliRunner().invoke(app, [APP, "train", *map(str, (*data, *small, "--num-models", 3))])
    assert first.exit_code == 0, first.output
    (run_dir,) = (tmp_path / APP).glob("2*")
    more = ("--resume", run_dir, "--epochs", 2)
    resumed = CliRunner().invoke(app, [APP, "train", *map(str, more)])  # no --num-models
    assert resumed.exit_code == 0, resumed.output
    meta = json.loads((run_dir / "model.json").read_text())
    assert meta["model_args"]["num_models"] == 3
    assert len(load_predictor(run_dir).model.members) == 3
    assert pd.read_csv(run_dir / "history.csv")["epoch"].tolist() == [1, 2]


def test_page_says_the_run_is_an_ensemble(ensemble_run: Path, monkeypatch) -> None:
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(ensemble_run.parent.parent))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert "ensemble of 2" in " ".join(m.value for m in at.markdown)
