"""The commands in the READMEs are tested, so the docs cannot rot.

Every `refapps ...` line in a ```bash block of README.md and apps/*/README.md must parse
against the real CLI (command names, option names and option values). The Titanic README,
the one `make train` follows, is also executed top to bottom on tiny generated data.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from apps.cli import app
from apps.registry import app_names

ROOT = Path(__file__).resolve().parents[1]
READMES = [ROOT / "README.md", *sorted(ROOT.glob("apps/*/README.md"))]
BASH_BLOCK = re.compile(r"```bash\n(.*?)```", re.S)


def readme_commands(path: Path) -> list[str]:
    """`refapps` command lines from the ```bash blocks (trailing comments removed)."""
    commands = []
    for block in BASH_BLOCK.findall(path.read_text(encoding="utf-8")):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line.startswith("refapps "):
                commands.append(line)
    return commands


ALL_COMMANDS = [(p.relative_to(ROOT).as_posix(), c) for p in READMES for c in readme_commands(p)]


def parse(args: list[str]) -> None:
    """Resolve the subcommands and parse their options the way Click would, without running."""
    command: click.Command = typer.main.get_command(app)
    ctx = command.make_context("refapps", list(args), resilient_parsing=False)
    while isinstance(command, click.Group) and ctx.protected_args:
        name, command, rest = command.resolve_command(ctx, [*ctx.protected_args, *ctx.args])
        ctx = command.make_context(name, rest, parent=ctx, resilient_parsing=False)


def test_every_app_has_a_readme_with_commands():
    for name in app_names():
        readme = ROOT / "apps" / name / "README.md"
        assert readme.is_file(), f"apps/{name}/README.md is missing"
        assert any(c.startswith(f"refapps {name} train") for c in readme_commands(readme)), name


@pytest.mark.parametrize(("readme", "command"), ALL_COMMANDS, ids=[c for _, c in ALL_COMMANDS])
def test_readme_command_parses(readme: str, command: str):
    args = shlex.split(command)[1:]
    try:
        parse(args)
    except (click.exceptions.Exit, typer.Exit):
        pass  # --help and friends
    except click.ClickException as err:
        pytest.fail(f"{readme}: `{command}` does not parse: {err.format_message()}")


def _load_module(path: Path, name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_titanic_readme_runs_on_tiny_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run the Titanic README's commands in order, as a newcomer would, on 40 + 20 rows."""
    import apps.titanic.data as titanic_data

    fixtures = _load_module(ROOT / "tests" / "titanic" / "conftest.py", "titanic_fixtures")
    data_dir = tmp_path / "data" / "titanic"
    data_dir.mkdir(parents=True)
    fixtures.passenger_frame(40, seed=0).to_csv(data_dir / "train.csv", index=False)
    fixtures.passenger_frame(20, seed=1, first_id=100).to_csv(data_dir / "test.csv", index=False)
    # the tiny files stand in for the verified originals, so `download` finds them in place
    hashes = {
        n: hashlib.sha256((data_dir / n).read_bytes()).hexdigest()
        for n in ("train.csv", "test.csv")
    }
    monkeypatch.setattr(titanic_data, "SHA256", hashes)
    monkeypatch.setenv("REFAPPS_DATA", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # runs/ and any output files land here
    fixtures.passenger_frame(5, seed=2).drop(columns=["Survived"]).to_csv(
        "passengers.csv", index=False
    )
    runner = CliRunner()
    commands = [c for c in readme_commands(ROOT / "apps" / "titanic" / "README.md")
                if c.split()[1] == "titanic" and "--help" not in c]  # fmt: skip
    assert any(" train" in c for c in commands)
    assert any(" predict" in c for c in commands)
    for command in commands:
        result = runner.invoke(app, shlex.split(os.path.expandvars(command))[1:])
        assert result.exit_code == 0, f"`{command}` failed:\n{result.output}"
        assert "Traceback" not in result.output
    assert (tmp_path / "runs" / "titanic" / "LATEST").is_file()
