"""`refapps new NAME --from APP`: start an app as a renamed copy of another (code and tests).

    refapps new flowers --from cifar
    pytest tests/flowers -q

Every place the app's name names something is renamed: the package path (`apps.titanic`),
the `APP = "titanic"` constant (so runs go to `runs/<name>`), `refapps titanic` in docs and
messages, the quoted name in code and tests, and with it a data folder named after the app
(`data_root() / "titanic"` becomes `REFAPPS_DATA/<name>`: a new app gets its own data; run
`refapps <name> download` or put your files there). Other names (`cifar2`, `TitanicMLP`) and
URLs stay. The copy is built in a hidden folder and moved into place, so a failure leaves no
half app behind.
"""

from __future__ import annotations

import keyword
import re
import shutil
import tempfile
from pathlib import Path

from apps.registry import app_names
from common.errors import UserError

IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".ipynb_checkpoints")
TEXT_SUFFIXES = {".py", ".md", ".txt", ".toml", ".json", ".cfg", ".ini", ".yaml", ".yml"}
RESERVED = {"apps", "common", "tests", "cli", "bench", "demo", "new", "hub", "scaffold"}
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


def check_name(name: str, project_root: Path) -> None:
    """Raise `UserError` unless `name` can be a new app's package and command."""
    if not NAME_PATTERN.fullmatch(name):
        raise UserError(
            f"Invalid app name {name!r}: use lowercase letters, digits and underscores, "
            "starting with a letter (e.g. my_app)."
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise UserError(f"Invalid app name {name!r}: it is a Python keyword; choose another.")
    apps_dir = project_root / "apps"
    taken = (apps_dir / name).exists() or (apps_dir / f"{name}.py").exists()
    if name in RESERVED or taken or (project_root / "tests" / name).exists():
        raise UserError(f"The name {name!r} is taken in {apps_dir}; choose another.")


def rename_text(text: str, source: str, name: str) -> str:
    """`text` with the app name `source` replaced by `name` where it names the app.

    The same quoted name is the run folder in one line and the data folder in the next
    (`tmp_path / "titanic"`), so both are renamed: the copy stays consistent with its tests.
    """
    old = re.escape(source)
    text = re.sub(rf"\b(apps|tests|runs|REFAPPS_DATA)([./]){old}\b", rf"\g<1>\g<2>{name}", text)
    text = re.sub(rf"\b(refapps(?: bench)?) {old}\b", rf"\g<1> {name}", text)
    text = re.sub(rf"(?<![\w/.:-]){old}(?=/)", name, text)  # a relative path, not inside a URL
    return re.sub(rf"""(["']){old}\1""", rf"\g<1>{name}\g<1>", text)


def rename_tree(folder: Path, source: str, name: str) -> None:
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        renamed = rename_text(text, source, name)
        if renamed != text:
            path.write_text(renamed, encoding="utf-8")


def copy_app(source: str, name: str, project_root: Path) -> list[Path]:
    """Copy `apps/<source>` and `tests/<source>` to `<name>`, renamed; returns the new folders.

    Raises:
        UserError: `source` is not an app, or `name` is invalid or taken.
    """
    project_root = Path(project_root)
    source_dir = project_root / "apps" / source
    apps = app_names(project_root / "apps")
    if source not in apps:
        raise UserError(f"No app {source!r} to copy; choose one of: {', '.join(apps)}.")
    check_name(name, project_root)
    pairs = [(source_dir, project_root / "apps" / name)]
    if (project_root / "tests" / source).is_dir():
        pairs.append((project_root / "tests" / source, project_root / "tests" / name))
    created: list[Path] = []
    try:
        for original, target in pairs:
            # Built one level down in a hidden folder beside the target, so a crash mid-copy
            # never leaves a `<dir>/*/cli.py` that app discovery or pytest would pick up.
            staging = Path(tempfile.mkdtemp(prefix=f".new-{name}-", dir=target.parent))
            try:
                shutil.copytree(original, staging / name, ignore=IGNORED)
                rename_tree(staging / name, source, name)
                (staging / name).rename(target)
                created.append(target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        for path in created:
            shutil.rmtree(path, ignore_errors=True)
        raise
    return created
