"""`train --resume RUN` refuses every option it would ignore: one line, exit 2, RUN untouched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from apps.imdb.cli import app


def test_a_resume_refuses_the_options_it_would_ignore(
    trained_run: Path, resume_refusal: Any
) -> None:
    resume_refusal(app, trained_run, ["--lr", "0.5", "--embed-dim", "4"], "--embed-dim, --lr", 3)
