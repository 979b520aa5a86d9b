"""`train --resume RUN` refuses every option it would ignore: one line, exit 2, RUN untouched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from apps.covid_forecast.cli import app


def test_a_resume_refuses_the_options_it_would_ignore(tiny_run: Path, resume_refusal: Any) -> None:
    resume_refusal(app, tiny_run, ["--lr", "0.5", "--members", "3"], "--lr, --members", 4)


def test_the_global_model_refuses_a_resume(tiny_run: Path) -> None:
    result = CliRunner().invoke(app, ["train", "--model", "global", "--resume", str(tiny_run)])
    assert result.exit_code == 2, result.output
    assert "does not use --resume" in " ".join(result.output.split())
