"""Import rules, checked on the source with `ast` (nothing is imported or run).

- An app imports the standard library, third-party packages, `common` and itself (relative
  imports or `apps.<same app>`), never another app. `apps/*.py` (the hub: root CLI, pages
  index) may mount apps.
- Nothing in `common/` imports `apps`.
- No `torch.load(` without `weights_only=True`; no pickle-family serialisers (joblib, dill,
  cloudpickle, shelve, marshal); `pickle` only to name its exception classes.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BANNED_MODULES = {"joblib", "dill", "cloudpickle", "shelve", "marshal", "_pickle", "pickle5"}
PICKLE_NAMES_ALLOWED = {"UnpicklingError", "PicklingError", "PickleError"}


def python_files(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_modules(tree: ast.Module) -> Iterator[tuple[int, int, str]]:
    """(line, relative level, absolute-or-relative module name) for every import."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, 0, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 or module:
                yield node.lineno, node.level, module
            else:  # `from . import x` / `from .. import x`: each name is a module
                for alias in node.names:
                    yield node.lineno, node.level, alias.name


def app_of(path: Path) -> str | None:
    parts = path.relative_to(ROOT / "apps").parts
    return parts[0] if len(parts) > 1 else None


def relative_target(path: Path, level: int, module: str) -> tuple[str, ...]:
    """The absolute dotted parts a relative import points at."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return (*base, *filter(None, module.split(".")))


APP_FILES = [p for p in python_files("apps") if app_of(p) is not None]


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_an_app_imports_only_itself_common_and_libraries(path):
    app = app_of(path)
    problems = []
    for line, level, module in imported_modules(parse(path)):
        target = relative_target(path, level, module) if level else tuple(module.split("."))
        if target[0] == "apps" and (len(target) < 2 or target[1] != app):
            problems.append(f"line {line}: imports {'.'.join(target)}")
        if target[0] == "tests":
            problems.append(f"line {line}: imports test code {'.'.join(target)}")
    assert not problems, f"{path.relative_to(ROOT)}: " + "; ".join(problems)


@pytest.mark.parametrize("path", python_files("common"), ids=lambda p: p.name)
def test_common_never_imports_apps(path):
    for line, level, module in imported_modules(parse(path)):
        target = relative_target(path, level, module) if level else tuple(module.split("."))
        assert target[0] != "apps", f"{path.relative_to(ROOT)} line {line} imports {module}"


def _torch_load_without_weights_only(tree: ast.Module) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "load"):
            continue
        if not (isinstance(func.value, ast.Name) and func.value.id == "torch"):
            continue
        safe = any(
            k.arg == "weights_only" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in node.keywords
        )
        if not safe:
            lines.append(node.lineno)
    return lines


def _unsafe_serialisers(tree: ast.Module) -> list[str]:
    problems = []
    pickle_aliases = set()
    for line, _level, module in imported_modules(tree):
        root = module.split(".")[0]
        if root in BANNED_MODULES:
            problems.append(f"line {line}: imports {module}")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("pickle", "torch"):
            for alias in node.names:
                if node.module == "pickle" and alias.name not in PICKLE_NAMES_ALLOWED:
                    problems.append(f"line {node.lineno}: from pickle import {alias.name}")
                if node.module == "torch" and alias.name == "load":
                    problems.append(f"line {node.lineno}: from torch import load")
        elif isinstance(node, ast.Import):
            pickle_aliases |= {a.asname or a.name for a in node.names if a.name == "pickle"}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in pickle_aliases
            and node.attr not in PICKLE_NAMES_ALLOWED
        ):
            problems.append(f"line {node.lineno}: uses pickle.{node.attr}")
    return problems


SOURCE_FILES = python_files("common") + python_files("apps")


@pytest.mark.parametrize("path", SOURCE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_unsafe_loading(path):
    tree = parse(path)
    lines = _torch_load_without_weights_only(tree)
    assert not lines, f"{path.relative_to(ROOT)}: torch.load without weights_only=True at {lines}"
    problems = _unsafe_serialisers(tree)
    assert not problems, f"{path.relative_to(ROOT)}: " + "; ".join(problems)


def test_the_checks_catch_what_they_should():
    """The rules above flag real violations (they would pass vacuously otherwise)."""
    bad = parse_text(
        "import torch, joblib\nimport pickle\n"
        # split literals: the source holds no real loader call for repository greps to flag
        "torch."
        "load('x')\ntorch."
        "load('y', weights_only=False)\npickle.loads(b'')\n"
        "from torch import load\n"
    )
    assert _torch_load_without_weights_only(bad) == [3, 4]
    assert len(_unsafe_serialisers(bad)) == 3
    good = parse_text(
        "import pickle\nimport torch\ntorch.load('x', map_location='cpu', weights_only=True)\n"
        "try:\n    pass\nexcept pickle.UnpicklingError:\n    pass\n"
    )
    assert not _torch_load_without_weights_only(good)
    assert not _unsafe_serialisers(good)
    app_file = ROOT / "apps" / "alpha" / "train.py"
    assert relative_target(app_file, 2, "beta.model") == ("apps", "beta", "model")
    assert relative_target(app_file, 1, "model") == ("apps", "alpha", "model")
    assert app_of(app_file) == "alpha"
    assert app_of(ROOT / "apps" / "cli.py") is None
    assert APP_FILES, "no app sources found"


def parse_text(source: str) -> ast.Module:
    return ast.parse(source)


# --- the app contract (apps/registry.py) ----------------------------------------------------


def test_every_app_keeps_the_contract():
    from apps.registry import discover_apps

    apps = discover_apps()
    assert {"titanic", "cifar", "imdb", "covid_forecast"} <= {a.name for a in apps}
    broken = {a.name: a.problems() for a in apps if a.problems()}
    assert not broken, broken
    for info in apps:
        assert info.has_demo, f"apps/{info.name} has no demo.py page"


def test_the_contract_check_catches_a_broken_app(tmp_path):
    from apps.registry import discover_apps

    good = tmp_path / "alpha"
    good.mkdir()
    (good / "__init__.py").write_text('"""Alpha: a test app."""\n')
    (good / "cli.py").write_text("import typer\napp = typer.Typer()\n")
    (good / "config.py").write_text('APP = "alpha"\n')
    (good / "bench.py").write_text("def run_bench(quick=False):\n    return []\n")
    bad = tmp_path / "beta"
    bad.mkdir()
    (bad / "__init__.py").write_text("")
    (bad / "cli.py").write_text("import typer\ncommands = typer.Typer()\n")
    (bad / "config.py").write_text('APP = "alpha"\n')
    (bad / "bench.py").write_text("def measure():\n    return []\n")
    (tmp_path / "not_an_app").mkdir()
    alpha, beta = discover_apps(tmp_path)
    assert (alpha.name, alpha.title, alpha.has_bench, alpha.has_demo) == (
        "alpha",
        "Alpha: a test app.",
        True,
        False,
    )
    assert alpha.problems() == []
    assert len(beta.problems()) == 4, beta.problems()


def _calls_outside_cached_functions(tree: ast.Module, name: str) -> list[int]:
    """Lines where `name(...)` is called other than inside a `@st.cache_resource` function."""
    cached: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(
            "cache_resource" in ast.unparse(d) for d in node.decorator_list
        ):
            cached.update(ast.walk(node))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and ast.unparse(node.func).split(".")[-1] == name
        and node not in cached
    ]


@pytest.mark.parametrize(
    "page", sorted((ROOT / "apps").glob("*/demo*.py")), ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_pages_load_models_once_through_cache_resource(page):
    """RELIABILITY: models load once per server process (`st.cache_resource`), not per rerun."""
    tree = ast.parse(page.read_text(encoding="utf-8"))
    assert _calls_outside_cached_functions(tree, "load_predictor") == []


def test_the_cache_check_catches_an_uncached_load():
    tree = ast.parse("import streamlit as st\npredictor = load_predictor(run_dir)\n")
    assert _calls_outside_cached_functions(tree, "load_predictor") == [2]


def test_every_command_that_reads_a_run_takes_it_as_run_dir():
    """The same CLI shape everywhere: `--run-dir RUN_DIR`, never a positional run folder."""
    import importlib

    import typer.main

    from apps.registry import discover_apps

    checked = 0
    for found in discover_apps():
        cli = importlib.import_module(f"apps.{found.name}.cli")
        group = typer.main.get_command(cli.app)
        for name, command in group.commands.items():
            params = {p.name: p for p in command.params}
            if "run_dir" not in params:
                continue
            checked += 1
            assert params["run_dir"].param_type_name == "option", f"{found.name} {name}"
            assert "--run-dir" in params["run_dir"].opts, f"{found.name} {name}"
    assert checked >= 8  # predict and evaluate in each of the four apps, at least
