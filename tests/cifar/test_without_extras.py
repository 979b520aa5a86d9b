"""The reading path never imports extras/: without it the defaults train and predict, and an
option that needs it says so in one line (what a copy made by `refapps new` without
--with-extras sees)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apps.cli import app

APP_DIR = Path(__file__).resolve().parents[2] / "apps" / Path(__file__).parent.name
READING_PATH = ("config.py", "data.py", "model.py", "train.py", "predict.py", "images.py")
runner = CliRunner()


def imported_modules(path: Path) -> list[str]:
    """Every module an import in `path` names, at any depth (function-level imports too)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names += [node.module or "", *(f"{node.module}.{a.name}" for a in node.names)]
    return names


@pytest.mark.parametrize("name", READING_PATH)
def test_the_reading_path_never_imports_extras(name: str) -> None:
    assert not [m for m in imported_modules(APP_DIR / name) if "extras" in m.split(".")]


@pytest.fixture
def without_extras(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `apps.<app>.extras` (and anything already imported from it) unimportable."""
    package = f"apps.{APP_DIR.name}.extras"
    for module in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.setitem(sys.modules, package, None)


def test_defaults_train_and_predict_without_extras(without_extras, data_root, tmp_path) -> None:
    runs = str(tmp_path / "runs")
    trained = runner.invoke(
        app, [APP_DIR.name, "train", "--dry-run", "--width", "8", "--runs-dir", runs]
    )
    assert trained.exit_code == 0, trained.output
    image = data_root / "cifar2" / "test" / "0_airplane" / "0.jpg"
    predicted = runner.invoke(app, [APP_DIR.name, "predict", str(image), "--runs-dir", runs])
    assert predicted.exit_code == 0, predicted.output
    assert "airplane" in predicted.output


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--model", "tutorial"], "--model tutorial"),
        (["--dataset", "cifar10"], "--dataset cifar10"),
        (["--val-fraction", "0.1"], "--val-fraction"),
    ],
)
def test_an_option_that_needs_extras_says_so(without_extras, tmp_path, options, named) -> None:
    args = [APP_DIR.name, "train", "--dry-run", *options, "--runs-dir", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert named in result.output
    assert "extras/" in result.output
    assert "Traceback" not in result.output
