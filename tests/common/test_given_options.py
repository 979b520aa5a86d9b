"""`given_options()`: the options typed on the command line of the running command."""

from __future__ import annotations

from typing import Annotated

import typer
from typer.testing import CliRunner

from common.cli import given_options, handle_user_errors


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
