"""`given_options()`: the options typed on the command line of the running command, and the
resume check built on it (`refuse_ignored_resume_options`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer.testing import CliRunner

from common.cli import (
    given_options,
    handle_user_errors,
    refuse_ignored_resume_options,
    with_train_options,
)
from common.config import TrainConfig


def recording_app(seen: list[set[str]]) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @handle_user_errors
    def train(
        batch_size: Annotated[int, typer.Option()] = 8,
        lr: Annotated[float, typer.Option()] = 0.1,
        dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
    ) -> None:
        seen.append(given_options())

    @app.command()
    def other() -> None:  # keeps `train` a subcommand
        pass

    return app


def test_given_options_are_the_typed_ones_even_at_their_default_value() -> None:
    seen: list[set[str]] = []
    app = recording_app(seen)
    for args in (["train"], ["train", "--lr", "0.5"], ["train", "--batch-size", "8", "--dry-run"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
    assert seen == [set(), {"lr"}, {"batch_size", "dry_run"}]


def test_given_options_outside_a_command_is_empty() -> None:
    seen: list[set[str]] = []
    CliRunner().invoke(recording_app(seen), ["train", "--lr", "0.5"])
    assert seen == [{"lr"}]
    assert given_options() == set()  # the command's context does not outlive it


def resuming_app() -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @handle_user_errors
    @with_train_options(TrainConfig())
    def train(train_cfg: TrainConfig, hidden: Annotated[int, typer.Option()] = 4) -> None:
        refuse_ignored_resume_options(train_cfg.resume)
        typer.echo(f"trained {train_cfg.epochs}")

    @app.command()
    def other() -> None:
        pass

    return app


def test_a_resume_refuses_every_typed_option_but_epochs(tmp_path: Path) -> None:
    app, resume = resuming_app(), ["train", "--resume", str(tmp_path)]
    taken = CliRunner().invoke(app, [*resume, "--epochs", "3"])
    assert taken.exit_code == 0, taken.output
    assert "trained 3" in taken.output
    options = ["--lr", "0.5", "--no-amp", "--hidden", "4", "--runs-dir", str(tmp_path)]
    refused = CliRunner().invoke(app, [*resume, "--epochs", "3", *options])
    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.output.split())
    assert f"--resume continues {tmp_path} with its saved settings; drop " in said
    assert "drop --amp, --hidden, --lr, --runs-dir or train a new run" in said
    assert "Traceback" not in refused.output
    new_run = CliRunner().invoke(app, ["train", "--lr", "0.5", "--hidden", "8"])
    assert new_run.exit_code == 0, new_run.output  # no resume: every option counts
