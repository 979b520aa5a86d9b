"""The hub's home page: the six steps, then one clickable card per app (`apps/<app>/demo.py`).

    refapps demo     # streamlit run apps/streamlit_app.py; this page is its default

The steps line is written from `apps.registry.STEPS`, as the README's table and the apps'
docstrings are, so the page names the steps as they do.
A card shows the app's name (the title its page shows), what it does (its package docstring),
what it reads (its README's first paragraph) and the newest run's headline test metrics, or
the command that trains one. A broken run gets a card that names it and the fix; the other
cards still show. Nothing here imports an app or torch: a copied app gets a card too.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from apps.registry import STEPS, Step
from common.errors import UserError
from common.pages import runs_dir, train_command
from common.runs import latest_run, read_metrics

APPS_DIR = Path(__file__).parent
MAX_CARD_METRICS = 3
# Headline first: what a person asks ("how often is it right?"), the loss last.
METRIC_ORDER = ("accuracy", "mape", "smape", "auroc", "f1", "f1_macro", "mae", "rmse")
SPLIT_ORDER = ("test", "backtest", "in_sample", "val", "train")
SPLIT_NAMES = {"test": "Test", "in_sample": "In-sample", "val": "Validation", "train": "Train"}
METRIC_NAMES = {"accuracy": "accuracy", "auroc": "AUROC", "f1": "F1", "f1_macro": "macro F1"}
METRIC_NAMES |= {"mape": "MAPE", "smape": "sMAPE", "mae": "MAE", "rmse": "RMSE"}


@dataclass(frozen=True)
class AppCard:
    name: str
    title: str
    task: str
    about: str
    run_dir: Path | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    problem: str | None = None  # why the newest run cannot be used, with the fix

    @property
    def train_command(self) -> str:
        return train_command(self.name)


def discover_pages(apps_dir: Path = APPS_DIR) -> list[str]:
    """App names that have a Streamlit page (`apps/<app>/demo.py`), sorted."""
    return sorted(p.parent.name for p in apps_dir.glob("*/demo.py") if p.parent.name.isidentifier())


def _parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return None


def describe(app_dir: Path) -> tuple[str, str]:
    """(title, task) from the package docstring "Title: task", read without importing it."""
    tree = _parse(app_dir / "__init__.py")
    doc = (ast.get_docstring(tree) or "") if tree is not None else ""
    first_line = doc.strip().splitlines()[0].rstrip(".") if doc.strip() else ""
    title, _, task = first_line.partition(": ")
    return (title or app_dir.name), task


def page_title(app_dir: Path) -> str:
    """The app's one name: the `st.title("...")` its page shows (else its docstring title).

    The sidebar, the browser tab, the card and the page itself then all say the same thing.
    """
    tree = _parse(app_dir / "demo.py")
    for node in ast.walk(tree) if tree is not None else []:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "title"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            return node.args[0].value
    return describe(app_dir)[0]


def readme_intro(app_dir: Path) -> str:
    """The README's first paragraph after its title ("" when there is no README)."""
    readme = app_dir / "README.md"
    if not readme.is_file():
        return ""
    paragraph: list[str] = []
    for line in readme.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text.startswith("#") or (not text and not paragraph):
            continue
        if not text or text.startswith("```"):
            break
        paragraph.append(text)
    return " ".join(paragraph)


def metric_label(key: str) -> str:
    """ "test/accuracy" -> "Test accuracy", "in_sample/smape" -> "In-sample sMAPE"."""
    split, _, name = key.partition("/")
    split_name = SPLIT_NAMES.get(split, split.replace("_", " ").capitalize())
    words = [METRIC_NAMES.get(part, part) for part in name.split("_", 1)] if name else []
    if name in METRIC_NAMES:
        words = [METRIC_NAMES[name]]
    return " ".join([split_name, *words])


def _rank(key: str) -> tuple[int, int, str]:
    split, _, name = key.partition("/")
    by_name = METRIC_ORDER.index(name) if name in METRIC_ORDER else len(METRIC_ORDER)
    if name == "loss":
        by_name += 1
    by_split = SPLIT_ORDER.index(split) if split in SPLIT_ORDER else len(SPLIT_ORDER)
    return by_split, by_name, key


def card_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """The run's headline figures, best split first (test), headline metric first, loss last."""
    numeric = {
        k: float(v)
        for k, v in metrics.items()
        if "/" in k and isinstance(v, int | float) and not isinstance(v, bool)
    }
    if not numeric:
        return {}
    best_split = min(numeric, key=_rank).partition("/")[0]
    keys = sorted((k for k in numeric if k.startswith(f"{best_split}/")), key=_rank)
    return {k: numeric[k] for k in keys[:MAX_CARD_METRICS]}


def weights_problem(run_dir: Path) -> str | None:
    """Why `model.safetensors` cannot be loaded (truncated, not safetensors), or None."""
    from safetensors import safe_open

    path = run_dir / "model.safetensors"
    try:
        with safe_open(str(path), framework="np") as weights:
            weights.keys()
    except Exception as err:  # the library raises its own SafetensorError, or OSError
        return f"`{path.name}` cannot be read ({err})"
    return None


def steps_line() -> str:
    """ "1 prepare the data (`data.py`) · 2 ... · 3 train and 4 evaluate (`train.py`) · ..."."""
    groups: list[list[Step]] = []
    for step in STEPS:
        if groups and groups[-1][-1].file == step.file:
            groups[-1].append(step)
        else:
            groups.append([step])
    return " · ".join(
        " and ".join(f"{s.number} {s.what}" for s in group) + f" (`{group[0].file}`)"
        for group in groups
    )


def app_card(name: str, apps_dir: Path = APPS_DIR, runs: Path | None = None) -> AppCard:
    """Everything a card shows; a broken newest run becomes `problem`, never an exception."""
    title, task = page_title(apps_dir / name), describe(apps_dir / name)[1]
    card = AppCard(name, title, task, readme_intro(apps_dir / name))
    try:
        run_dir = latest_run(runs if runs is not None else runs_dir(), name)
    except UserError:
        return card
    try:
        problem = weights_problem(run_dir)
        metrics = card_metrics(read_metrics(run_dir))
    except Exception as err:  # a corrupt metrics.json must not take the gallery down
        problem, metrics = (str(err) or type(err).__name__), {}
    if problem is not None:
        problem = (
            f"The newest run `{run_dir}` is broken: {problem}. Delete that folder to use the "
            f"run before it, or train a new one:\n\n```\n{card.train_command}\n```"
        )
    return AppCard(name, title, task, card.about, run_dir, metrics, problem)


def show_card(card: AppCard) -> None:
    with st.container(border=True, key=f"card_{card.name}"):
        st.page_link(f"{card.name}/demo.py", label=f"**{card.title}**")
        st.caption(f"`{card.name}` · {card.task}" if card.task else f"`{card.name}`")
        if card.about:
            st.write(card.about)
        if card.problem is not None:
            st.error(card.problem)
        elif card.run_dir is None:
            st.info(f"No trained model yet. Train one:\n\n```\n{card.train_command}\n```")
        else:
            items = list(card.metrics.items())
            if items:
                key, value = items[0]
                st.metric(metric_label(key), f"{value:.3f}", help=f"`{key}` in metrics.json")
            rest = " · ".join(f"{metric_label(k)} {v:.3f}" for k, v in items[1:])
            st.caption(f"{rest}{' · ' if rest else ''}Newest run: `{card.run_dir.name}`")
        st.page_link(f"{card.name}/demo.py", label="Open the demo", icon=":material/arrow_forward:")


def home() -> None:
    """The default page: a card per app, two to a row (one on a phone)."""
    st.title("PyTorch reference apps")
    st.write("Small, complete PyTorch apps. Each takes the same six steps, in the same files:")
    st.markdown(steps_line())
    st.caption(
        "`cli.py`, `demo.py` and `bench.py` are front-ends, not steps: the `refapps` commands, "
        "the app's page, its benchmark. Open an app to try its model."
    )
    names = discover_pages()
    for start in range(0, len(names), 2):
        for column, name in zip(st.columns(2), names[start : start + 2], strict=False):
            with column:
                show_card(app_card(name))
    st.caption(f"Runs are read from `{runs_dir().resolve()}` (set REFAPPS_RUNS_DIR to change it).")
