"""`refapps new NAME --from APP` (`apps/scaffold.py`), always into a temporary project.

A copy of covid_forecast is made in `tmp_path`, then its CLI help and part of its own test
folder (one end-to-end training run included) are run there in subprocesses. Every app is
copied too, and no copy may keep the source app's name where it names the app, nor import
anything from the extras/ it was made without.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apps import scaffold
from apps.cli import app
from apps.registry import app_names
from apps.scaffold import copy_app, rename_text
from common.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "covid_forecast"


def make_project(root: Path, apps: list[str]) -> Path:
    """A project root holding the root CLI, `common/` (linked), these apps and their tests."""
    (root / "apps").mkdir()
    for name in ("__init__.py", "cli.py", "registry.py", "scaffold.py"):
        shutil.copy(ROOT / "apps" / name, root / "apps" / name)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    (root / "common").symlink_to(ROOT / "common")
    ignore = shutil.ignore_patterns("__pycache__")
    for name in apps:
        shutil.copytree(ROOT / "apps" / name, root / "apps" / name, ignore=ignore)
        shutil.copytree(ROOT / "tests" / name, root / "tests" / name, ignore=ignore)
    shutil.copy(ROOT / "tests" / "conftest.py", root / "tests" / "conftest.py")
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project root holding only the root CLI, the source app and its tests."""
    return make_project(tmp_path, [SOURCE])


def run_in(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(project), "NO_COLOR": "1", "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, *args], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )


def test_copied_app_is_renamed_discovered_and_its_tests_pass(project: Path) -> None:
    created = copy_app(SOURCE, "flu_forecast", project)
    new_app, new_tests = project / "apps" / "flu_forecast", project / "tests" / "flu_forecast"
    assert created == [new_app, new_tests]
    assert sorted(p.name for p in new_app.iterdir()) == sorted(
        p.name
        for p in (project / "apps" / SOURCE).iterdir()
        if p.name not in ("__pycache__", "extras")
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


def test_rename_covers_every_use_of_the_name_but_the_kept_ones() -> None:
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
            'cv_dir = tmp_path / "titanic_cv"; key="titanic_result"; from .titanic_rules import x',
            "titanic2, titanic-10.tar.gz, torchvision.datasets.titanic, test_titanic, titanicky",
            "see ../shared/data/titanic/x.csv and studies/titanic/README.md",
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
        "TitanicMLP, ships_like, runs/ships/lr_find.png, REFAPPS_DATA/ships/a.csv",
        "The data root: ships/train.csv and `ships/test.csv`",
        'cv_dir = tmp_path / "ships_cv"; key="ships_result"; from .ships_rules import x',
        "titanic2, titanic-10.tar.gz, torchvision.datasets.titanic, test_titanic, titanicky",
        "see ../shared/data/titanic/x.csv and studies/titanic/README.md",
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


def test_extras_are_left_out_unless_asked_and_subpackages_are_copied(project: Path) -> None:
    extras = ("apps", SOURCE, "extras"), ("tests", SOURCE, "extras"), ("apps", SOURCE, "sub")
    for parts in extras:
        folder = project.joinpath(*parts)
        (folder / "extras").mkdir(parents=True)  # sub/extras: left out at any depth too
        for file in (folder / "__init__.py", folder / "extras" / "opt.py"):
            file.write_text(f'"""--opt: apps.{SOURCE}.extras"""\n')
    copy_app(SOURCE, "lean", project)
    assert not list(project.glob("*/lean/**/extras")), "no extras folder in the copy"
    assert (project / "apps" / "lean" / "sub" / "__init__.py").read_text() == (
        '"""--opt: apps.lean.extras"""\n'
    )
    done = run_in(project, "-m", "apps.cli", "new", "full", "--from", SOURCE, "--with-extras")
    assert done.returncode == 0, done.stdout + done.stderr
    for parts in extras:
        copied = project.joinpath(parts[0], "full", *parts[2:], "extras", "opt.py")
        assert copied.read_text() == '"""--opt: apps.full.extras"""\n'


def leftovers(text: str, source: str) -> list[str]:
    """Lines where `source` still names the app: lowercase, alone or leading a snake_case name.

    Not leftovers, as apps/scaffold.py documents: a longer name (`cifar2`, `cifar-10`,
    `TitanicMLP`, `test_titanic`), a URL, a path below another folder than the project's own
    (`../shared/data/imdb/`) and an attribute of another module (`torchvision.datasets.cifar`).
    """
    own = "".join(f"|(?<={p})" for p in ("apps[./]", "tests[./]", "runs/", "_DATA/", "_CACHE/"))
    name = re.compile(rf"(?:(?<![\w./:-]){own}){re.escape(source)}(?![A-Za-z0-9-])")
    found = []
    for line in text.splitlines():
        for match in name.finditer(line):
            if "://" not in re.split(r"[\s\"'`()<>]", line[: match.start()])[-1]:
                found.append(line.strip())
    return found


def test_every_app_is_copied_without_a_leftover_name_and_imports_without_extras(
    tmp_path: Path,
) -> None:
    sources = app_names(ROOT / "apps")
    project = make_project(tmp_path, sources)
    found, modules = [], []
    for source in sources:
        for folder in copy_app(source, f"copy_{source}", project):
            for path in sorted(folder.rglob("*")):
                where = path.relative_to(project).as_posix()
                inner = path.relative_to(folder).as_posix()
                found += [f"{where} (its path)" for _ in leftovers(inner, source)]
                if path.is_file():
                    text = path.read_text(encoding="utf-8", errors="replace")
                    found += [f"{where}: {line}" for line in leftovers(text, source)]
        copied = project / "apps" / f"copy_{source}"
        modules += [
            ".".join(path.relative_to(project).with_suffix("").parts)
            for path in sorted(copied.rglob("*.py"))
            if path.stem in {"config", "data", "model", "train", "predict", "cli", "bench"}
        ]
    assert not found, "the source app's name is left in its copy:\n" + "\n".join(found)
    assert len(modules) >= 6 * len(sources)
    # The copies have no extras/: their reading paths and front-ends must import without them.
    done = run_in(project, "-c", "".join(f"import {m}\n" for m in ["apps.cli", *modules]))
    assert done.returncode == 0, done.stderr[-3000:]
