"""`refapps new NAME --from APP` (`apps/scaffold.py`), always into a temporary project.

A copy of covid_forecast is made in `tmp_path`, then its CLI help and part of its own test
folder (one end-to-end training run included) are run there in subprocesses.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apps import scaffold
from apps.cli import app
from apps.scaffold import copy_app, rename_text
from common.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "covid_forecast"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project root holding only the root CLI, the source app and its tests."""
    (tmp_path / "apps").mkdir()
    for name in ("__init__.py", "cli.py", "registry.py"):
        shutil.copy(ROOT / "apps" / name, tmp_path / "apps" / name)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "apps" / SOURCE, tmp_path / "apps" / SOURCE, ignore=ignore)
    shutil.copytree(ROOT / "tests" / SOURCE, tmp_path / "tests" / SOURCE, ignore=ignore)
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "tests" / "conftest.py")
    return tmp_path


def run_in(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(project), "NO_COLOR": "1", "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, *args], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )


def test_copied_app_is_renamed_discovered_and_its_tests_pass(project: Path) -> None:
    created = copy_app(SOURCE, "flu_forecast", project)
    new_app, new_tests = project / "apps" / "flu_forecast", project / "tests" / "flu_forecast"
    assert created == [new_app, new_tests]
    assert sorted(p.name for p in new_app.iterdir()) == sorted(
        p.name for p in (project / "apps" / SOURCE).iterdir() if p.name != "__pycache__"
    )
    assert 'APP = "flu_forecast"' in (new_app / "config.py").read_text()
    for path in [*new_app.rglob("*.py"), *new_tests.rglob("*.py"), *new_app.rglob("*.md")]:
        text = path.read_text()
        for old in (f"apps.{SOURCE}", f"apps/{SOURCE}", f'"{SOURCE}"', f"refapps {SOURCE}"):
            assert old not in text, f"{path.name} still says {old}"
    assert not list(project.rglob(".new-*")), "no staging folder is left behind"

    help_text = run_in(project, "-m", "apps.cli", "--help")
    assert help_text.returncode == 0, help_text.stderr
    assert "flu_forecast" in help_text.stdout
    assert SOURCE in help_text.stdout
    app_help = run_in(project, "-m", "apps.cli", "flu_forecast", "train", "--help")
    assert app_help.returncode == 0, app_help.stderr

    copied = [str(new_tests / "test_cli.py"), str(new_tests / "test_demo.py")]
    tests = run_in(project, "-m", "pytest", *copied, "-q", "-x", "-p", "no:cacheprovider")
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert " passed" in tests.stdout


def test_rename_covers_every_use_of_the_name_but_urls_and_other_words() -> None:
    source = "\n".join(
        [
            "from apps.titanic.data import load  # see apps/titanic/README.md",
            'APP = "titanic"',
            'row = {"app": "titanic"}',
            'folder = data_dir or data_root() / "titanic"',
            'csv = tmp_path / "data" / "titanic" / "train.csv"',
            'cache = cache_dir("titanic")',
            'URL = "https://example.org/data/titanic/train.csv"',
            'result = runner.invoke(app, ["titanic", "train"])',
            'shutil.copytree(run.parent, runs / "titanic")',
            "Run: refapps titanic train, then refapps bench titanic; pytest tests/titanic",
            "TitanicMLP, titanic_like, runs/titanic/lr_find.png, REFAPPS_DATA/titanic/a.csv",
            "The data root: titanic/train.csv and `titanic/test.csv`",
        ]
    )
    renamed = rename_text(source, "titanic", "ships").splitlines()
    assert renamed == [
        "from apps.ships.data import load  # see apps/ships/README.md",
        'APP = "ships"',
        'row = {"app": "ships"}',
        'folder = data_dir or data_root() / "ships"',
        'csv = tmp_path / "data" / "ships" / "train.csv"',
        'cache = cache_dir("ships")',
        'URL = "https://example.org/data/titanic/train.csv"',
        'result = runner.invoke(app, ["ships", "train"])',
        'shutil.copytree(run.parent, runs / "ships")',
        "Run: refapps ships train, then refapps bench ships; pytest tests/ships",
        "TitanicMLP, titanic_like, runs/ships/lr_find.png, REFAPPS_DATA/ships/a.csv",
        "The data root: ships/train.csv and `ships/test.csv`",
    ]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("My_App", "Invalid app name"),
        ("my-app", "Invalid app name"),
        ("2fast", "Invalid app name"),
        ("_private", "Invalid app name"),
        ("", "Invalid app name"),
        ("class", "keyword"),
        ("match", "keyword"),
        ("cli", "taken"),
        ("demo", "taken"),
        ("new", "taken"),
        ("bench", "taken"),
        ("common", "taken"),
        ("apps", "taken"),
        (SOURCE, "taken"),
    ],
)
def test_invalid_or_taken_names_are_refused(project: Path, name: str, reason: str) -> None:
    before = sorted(project.rglob("*"))
    with pytest.raises(UserError, match=reason):
        copy_app(SOURCE, name, project)
    assert sorted(project.rglob("*")) == before


def test_unknown_source_names_the_apps(project: Path) -> None:
    with pytest.raises(UserError, match=f"No app 'nope' to copy; choose one of: {SOURCE}"):
        copy_app("nope", "fresh", project)


def test_a_failure_mid_copy_leaves_nothing_behind(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []

    def fail_on_tests(folder: Path, source: str, name: str) -> None:
        calls.append(folder)
        if len(calls) == 2:
            raise OSError("disk full")

    monkeypatch.setattr(scaffold, "rename_tree", fail_on_tests)
    before = sorted(project.rglob("*"))
    with pytest.raises(OSError, match="disk full"):
        copy_app(SOURCE, "fresh", project)
    assert len(calls) == 2, "the app folder was finished before the tests folder failed"
    assert sorted(project.rglob("*")) == before


def test_cli_reports_a_bad_name_in_one_line_with_exit_code_2() -> None:
    result = CliRunner().invoke(app, ["new", "Bad-Name", "--from", "titanic"])
    assert result.exit_code == 2
    assert "Invalid app name 'Bad-Name'" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
