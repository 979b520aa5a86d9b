"""`refapps new NAME --from APP`: start an app as a renamed copy of another (code and tests).

    refapps new flowers --from cifar                  # the reading path and the front-ends
    refapps new flowers --from cifar --with-extras    # also apps/cifar/extras, tests/cifar/extras
    pytest tests/flowers -q

What is copied: `apps/APP/` and `tests/APP/`, nested subpackages included (covid's `jhu/`),
but no folder named `extras` unless `--with-extras`: the reading path never imports extras,
so the copy still imports, trains and predicts; an option that needs an extra says so.

What is renamed: every use of the app's name as a name, in file contents and file names:
the package path (`apps.titanic`, `apps/titanic`), `APP = "titanic"` (runs go to
`runs/<name>`), `refapps titanic`, the quoted name and snake_case names it starts
(`"titanic_cv"`, `titanic_result`), relative paths (`titanic/train.csv`, so the copy reads
`REFAPPS_DATA/<name>`: run `refapps <name> download` or put your files there).

What is kept (`is_kept` below): the name inside a longer name (`cifar2`, `cifar-10-python.tar.gz`,
`TitanicMLP`, `test_titanic`), URLs, a path below another folder (`../shared/data/imdb/...`,
`studies/imdb/`: the source's data and studies stay where they are) and an attribute of another
module (`torchvision.datasets.cifar`). The copy is built in a hidden folder and moved into
place, so a failure leaves no half app behind.
"""

from __future__ import annotations

import keyword
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from apps.registry import app_names
from common.errors import UserError

IGNORED = ("__pycache__", ".pytest_cache", ".ipynb_checkpoints")
EXTRAS = "extras"
TEXT_SUFFIXES = {".py", ".md", ".txt", ".toml", ".json", ".cfg", ".ini", ".yaml", ".yml", ".sh"}
RESERVED = {"apps", "common", "tests", "cli", "bench", "demo", "new", "hub", "scaffold", EXTRAS}
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
# After a "/" or "." the name is kept (another folder, another module's attribute), except
# after these folders and packages of the project: there it is this app.
OWN_PREFIXES = ("apps/", "apps.", "tests/", "tests.", "runs/", "REFAPPS_DATA/", "REFAPPS_CACHE/")
OWN_PREFIXES += ("refapps/", "refapps/cache/")


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


def is_kept(text: str, start: int, end: int) -> bool:
    """Whether the name at `text[start:end]` stays (see the module docstring), not renamed."""
    before, after = text[max(0, start - 300) : start], text[end : end + 1]
    if after == "-" or before.endswith(("-", ":")):
        return True  # a hyphenated name (cifar-10-python.tar.gz)
    if "://" in re.split(r"[\s\"'`()<>\[\]]", before)[-1]:
        return True  # inside a URL
    if before.endswith(OWN_PREFIXES):
        return False
    return before.endswith("/") or re.search(r"[\w)\]]\.$", before) is not None


def rename_text(text: str, source: str, name: str) -> str:
    """`text` with the app name `source` replaced by `name` wherever it names the app."""
    # The name alone or leading a snake_case name; never the end or middle of a longer one.
    pattern = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(source)}(?![A-Za-z0-9])")
    return pattern.sub(
        lambda m: m.group() if is_kept(text, m.start(), m.end()) else name,
        text,
    )


def rename_tree(folder: Path, source: str, name: str) -> None:
    """Rename `source` to `name` in the text files under `folder`, then in file names."""
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
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        new_name = rename_text(path.name, source, name)
        if new_name != path.name:
            path.rename(path.with_name(new_name))


def _ignore(with_extras: bool) -> Callable[[str, list[str]], set[str]]:
    def ignore(folder: str, names: list[str]) -> set[str]:
        left_out = {n for n in names if n in IGNORED or n.endswith(".pyc")}
        if not with_extras:
            left_out |= {n for n in names if n == EXTRAS and (Path(folder) / n).is_dir()}
        return left_out

    return ignore


def copy_app(source: str, name: str, project_root: Path, with_extras: bool = False) -> list[Path]:
    """Copy `apps/<source>` and `tests/<source>` to `<name>`, renamed; returns the new folders.

    Folders named `extras` (at any depth) are left out unless `with_extras`.

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
                shutil.copytree(original, staging / name, ignore=_ignore(with_extras))
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
