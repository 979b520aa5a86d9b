"""What makes a folder under `apps/` an app, in one place; read from the source, nothing imported.

    python -c "from apps.registry import discover_apps; print(discover_apps())"

The contract (checked for every app by `tests/test_architecture.py`):

- `apps/<name>/cli.py` defines `app`, a Typer app: this file is what makes the folder an app,
  and `refapps <name>` mounts it;
- `apps/<name>/__init__.py` has a docstring whose first line titles the app (help, hub);
- `apps/<name>/config.py` sets `APP = "<name>"` (runs go to `runs/<name>/`);
- optional: `demo.py`, a Streamlit page the hub lists; `bench.py` defining `run_bench(quick)`,
  which `refapps bench` runs (an app without one is skipped, not an error).

`STEPS` and `DOCSTRING_OPENINGS` name the six steps every app takes and the file of each; the
root README, the hub's home page and every app's module docstrings say the same
(`tests/test_docs.py`). `cli.py`, `demo.py` and `bench.py` are front-ends, not steps.

Discovery parses files with `ast` and imports nothing (no torch, no app code), so the CLI
root, the hub, `refapps bench`, `refapps new` and the docs test can call it at any time.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

APPS_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Step:
    """One of the six steps: its number, what it does, and the file that does it."""

    number: int
    what: str
    file: str


STEPS = (
    Step(1, "prepare the data", "data.py"),
    Step(2, "define the model", "model.py"),
    Step(3, "train", "train.py"),
    Step(4, "evaluate", "train.py"),
    Step(5, "use the model", "predict.py"),
    Step(6, "save", "common/checkpoint.py"),
)
# How each file of an app (or of a second path inside it, such as covid's `jhu/`) opens its
# module docstring, so the step a reader is on has one name everywhere.
DOCSTRING_OPENINGS = {
    "config.py": "Settings: ",
    "data.py": "Step 1 of 6, prepare the data: ",
    "model.py": "Step 2 of 6, define the model: ",
    "train.py": "Steps 3 and 4 of 6, train and evaluate: ",
    "predict.py": "Step 5 of 6, use the model: ",
    "cli.py": "Front-end: the command line",
    "demo.py": "Front-end: the Streamlit page",
    "bench.py": "Front-end: the benchmark",
}


@dataclass(frozen=True)
class AppInfo:
    """One app as its files describe it."""

    name: str
    folder: Path
    title: str  # first line of the package docstring ("" when missing)
    has_cli_app: bool  # cli.py assigns `app`
    app_constant: str | None  # config.APP, when it is a string literal
    has_demo: bool
    has_bench: bool  # bench.py defines run_bench

    def problems(self) -> list[str]:
        """How this app breaks the contract above (empty when it keeps it)."""
        found = []
        if not self.has_cli_app:
            found.append("cli.py does not define `app` (a typer.Typer)")
        if not self.title:
            found.append("__init__.py has no docstring to title the app")
        if self.app_constant != self.name:
            found.append(f'config.py must set APP = "{self.name}" (found {self.app_constant!r})')
        if (self.folder / "bench.py").is_file() and not self.has_bench:
            found.append("bench.py does not define run_bench")
        return found


def _parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None


def _assigned_names(tree: ast.Module | None) -> dict[str, ast.expr | None]:
    """Top-level names a module binds: assignments (with their value) and functions."""
    names: dict[str, ast.expr | None] = {}
    for node in tree.body if tree is not None else []:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node.value
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names[node.name] = None
    return names


def describe_app(folder: Path) -> AppInfo:
    """Read one app folder's contract files."""
    package = _parse(folder / "__init__.py")
    docstring = ast.get_docstring(package) if package is not None else None
    constant = _assigned_names(_parse(folder / "config.py")).get("APP")
    is_literal = isinstance(constant, ast.Constant) and isinstance(constant.value, str)
    return AppInfo(
        name=folder.name,
        folder=folder,
        title=(docstring or "").strip().splitlines()[0] if docstring else "",
        has_cli_app="app" in _assigned_names(_parse(folder / "cli.py")),
        app_constant=constant.value if is_literal else None,  # type: ignore[union-attr]
        has_demo=(folder / "demo.py").is_file(),
        has_bench="run_bench" in _assigned_names(_parse(folder / "bench.py")),
    )


def discover_apps(apps_dir: Path = APPS_DIR) -> list[AppInfo]:
    """Every app under `apps_dir`: sub-packages with a `cli.py`, sorted by name.

    Hidden or non-identifier folders (a `refapps new` copy being built) are left out.
    """
    folders = (p.parent for p in Path(apps_dir).glob("*/cli.py"))
    return [describe_app(f) for f in sorted(folders) if f.name.isidentifier()]


def app_names(apps_dir: Path = APPS_DIR) -> list[str]:
    """The names of `discover_apps()`."""
    return [info.name for info in discover_apps(apps_dir)]
