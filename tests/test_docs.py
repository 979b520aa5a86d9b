"""The commands in the READMEs are tested, so the docs cannot rot.

Every `refapps ...` line in a ```bash block of README.md, apps/**/README.md and
studies/**/README.md must parse against the real CLI (command names, option names and option
values). The Titanic README, the one `make train` follows, is also executed top to bottom on
tiny generated data. The six steps have one name everywhere: the root README's table and every
app's module docstrings follow `apps.registry.STEPS` / `DOCSTRING_OPENINGS`. pyproject.toml
declares exactly what the code imports.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import os
import re
import shlex
import sys
import tomllib
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from apps.cli import app
from apps.registry import DOCSTRING_OPENINGS, STEPS, app_names

ROOT = Path(__file__).resolve().parents[1]
READMES = [
    ROOT / "README.md",
    *sorted(ROOT.glob("apps/**/README.md")),
    *sorted(ROOT.glob("studies/**/README.md")),
]
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


def test_readme_steps_table_names_each_step_and_its_file():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for step in STEPS:
        row = f"| {step.number}. {step.what} | `{step.file}` |"
        assert row in readme, f"README.md has no step row starting {row!r}"
    assert (ROOT / STEPS[-1].file).is_file()


def module_docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


def reading_path_folders(app_dir: Path) -> list[Path]:
    """The app folder, and any subpackage outside extras/ with its own train.py (covid's jhu/)."""
    inner = (p.parent for p in app_dir.rglob("*/train.py"))
    return [app_dir, *sorted(f for f in inner if "extras" not in f.relative_to(app_dir).parts)]


@pytest.mark.parametrize("name", app_names())
def test_module_docstrings_open_with_their_step(name: str):
    """`data.py` opens "Step 1 of 6, prepare the data: ...", `cli.py` "Front-end: ..."."""
    app_dir = ROOT / "apps" / name
    for core in ("config.py", "data.py", "model.py", "train.py", "predict.py"):
        assert (app_dir / core).is_file(), f"apps/{name}/{core} is missing"
    wrong = []
    for folder in reading_path_folders(app_dir):
        for file_name, opening in DOCSTRING_OPENINGS.items():
            path = folder / file_name
            if path.is_file() and not module_docstring(path).startswith(opening):
                wrong.append(f"{path.relative_to(ROOT)} does not open with {opening!r}")
    # Any other module may say which step it serves, in the same words; none invents one
    # ("Step 1b", "Step 4c", "Step 7", "Step 6, the command line": step 6 is common's save).
    steps = tuple(o for o in DOCSTRING_OPENINGS.values() if o.startswith("Step"))
    for path in sorted(app_dir.rglob("*.py")):
        doc, where = module_docstring(path), path.relative_to(ROOT)
        if re.match(r"Steps? \d", doc) and not doc.startswith(steps):
            wrong.append(f"{where} opens with a step not worded as one of the six: {doc[:50]!r}")
        if re.search(r"\bsteps? (\d+[a-z]|[7-9]|\d\d)\b", doc, re.IGNORECASE):
            wrong.append(f"{where} names a step that is not one of the six")
    assert not wrong, "\n".join(wrong)


# Imported under another name than the distribution's: `from torch.utils.tensorboard import`.
PROVIDED_THROUGH = {"torch.utils.tensorboard": "tensorboard"}


@functools.cache
def installed() -> dict[str, list[str]]:
    """Import name -> the distributions that provide it (a scan of site-packages, done once)."""
    from importlib.metadata import packages_distributions

    return dict(packages_distributions())


def distribution(module: str) -> str:
    top = module.partition(".")[0]
    name = PROVIDED_THROUGH.get(module) or installed().get(top, [top])[0]
    return name.lower().replace("_", "-")


def third_party_imports(*folders: str) -> list[tuple[str, str, bool]]:
    """(distribution, "path:line", at the module's top level) of every third-party import."""
    local = {"apps", "common", "tests", *(p.stem for p in (ROOT / "tests").rglob("*.py"))}
    found = []
    for path in sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.partition(".")[0]
                if top not in sys.stdlib_module_names and top not in local:
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    found.append((distribution(module), where, node in tree.body))
    return found


def declared() -> dict[str, set[str]]:
    """ "base" and each extra -> the distributions it names (the self-reference left out)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups = {"base": project["dependencies"], **project["optional-dependencies"]}
    names = {
        key: {re.match(r"[A-Za-z0-9._-]+", r).group().lower().replace("_", "-") for r in reqs}
        for key, reqs in groups.items()
    }
    return {key: found - {"refapps"} for key, found in names.items()}


def test_pyproject_declares_exactly_what_the_code_imports():
    groups = declared()
    base, dev = groups.pop("base"), groups.pop("dev")
    options = set().union(*groups.values())  # the extras an option names when it is missing
    code, tests = third_party_imports("apps", "common"), third_party_imports("tests")
    problems = [f"{where}: {name} is not declared" for name, where, _ in code
                if name not in base | options]  # fmt: skip
    problems += [f"{where}: {name} is not in the dev extra" for name, where, _ in tests
                 if name not in base | options | dev]  # fmt: skip
    used = {name for name, _, _ in code + tests}
    problems += [f"{name} is declared and never imported" for name in (base | options) - used]
    problems += [f"{name} (dev) is never imported" for name in dev - used - {"ruff"}]
    assert not problems, "\n".join(problems)


def test_an_optional_package_is_imported_only_inside_the_function_that_needs_it():
    """`make train` installs the base only: the default commands never import an extra."""
    groups = declared()
    optional = set().union(*(v for k, v in groups.items() if k not in {"base", "dev"}))
    top_level = [
        where for name, where, at_top in third_party_imports("apps", "common")
        if at_top and name in optional
    ]  # fmt: skip
    assert not top_level, f"move these imports into the option's function: {top_level}"
