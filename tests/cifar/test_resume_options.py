"""`train --resume RUN` refuses every option it would ignore: one line, exit 2, RUN untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from apps.cifar.cli import app


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_resume_refuses_the_options_it_would_ignore(trained_run: Path, tmp_path: Path) -> None:
    run_dir = Path(shutil.copytree(trained_run, tmp_path / "run"))
    before = snapshot(run_dir)
    resume = ["train", "--resume", str(run_dir), "--epochs", "3"]
    result = CliRunner().invoke(app, [*resume, "--lr", "0.5", "--width", "4"])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"--resume continues {run_dir} with its saved settings; drop --lr, --width" in said
    assert "Traceback" not in result.output
    assert snapshot(run_dir) == before
    resumed = CliRunner().invoke(app, resume)  # --epochs alone: the run goes on
    assert resumed.exit_code == 0, resumed.output
    assert pd.read_csv(run_dir / "history.csv")["epoch"].tolist() == [1, 2, 3]
