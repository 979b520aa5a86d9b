"""The hub's home page: one card per app, found from the folders (`apps/<app>/demo.py`).

    refapps demo     # streamlit run apps/streamlit_app.py; this page is its default

A card shows what the app does (its package docstring), what it reads (the first paragraph
of its README), and the newest run's test metrics, or the command that trains one. Nothing
here imports an app or torch: a copied app (`refapps new`) gets a card with no registry.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from common.errors import UserError
from common.pages import runs_dir
from common.runs import latest_run, read_metrics

APPS_DIR = Path(__file__).parent
MAX_CARD_METRICS = 4


@dataclass(frozen=True)
class AppCard:
    name: str
    title: str
    task: str
    about: str
    run_dir: Path | None = None
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def train_command(self) -> str:
        return f"refapps {self.name} train"


def discover_pages(apps_dir: Path = APPS_DIR) -> list[str]:
    """App names that have a Streamlit page (`apps/<app>/demo.py`), sorted."""
    return sorted(p.parent.name for p in apps_dir.glob("*/demo.py") if p.parent.name.isidentifier())


def describe(app_dir: Path) -> tuple[str, str]:
    """(title, task) from the package docstring "Title: task", read without importing it."""
    init = app_dir / "__init__.py"
    doc = ""
    if init.is_file():
        try:
            doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        except (SyntaxError, UnicodeDecodeError):
            doc = ""
    first_line = doc.strip().splitlines()[0].rstrip(".") if doc.strip() else ""
    title, _, task = first_line.partition(": ")
    return (title or app_dir.name), task


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


def card_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """The run's test metrics (else its other `split/name` figures), at most four."""
    numeric = {
        k: float(v)
        for k, v in metrics.items()
        if "/" in k and isinstance(v, int | float) and not isinstance(v, bool)
    }
    tests = {k: v for k, v in numeric.items() if k.startswith("test/")}
    return dict(list((tests or numeric).items())[:MAX_CARD_METRICS])


def app_card(name: str, apps_dir: Path = APPS_DIR, runs: Path | None = None) -> AppCard:
    title, task = describe(apps_dir / name)
    try:
        run_dir = latest_run(runs if runs is not None else runs_dir(), name)
    except UserError:
        run_dir = None
    metrics = card_metrics(read_metrics(run_dir)) if run_dir is not None else {}
    return AppCard(name, title, task, readme_intro(apps_dir / name), run_dir, metrics)


def show_card(card: AppCard) -> None:
    with st.container(border=True, key=f"card_{card.name}"):
        st.subheader(card.title)
        st.caption(f"`{card.name}` · {card.task}" if card.task else f"`{card.name}`")
        if card.about:
            st.write(card.about)
        if card.run_dir is None:
            st.info(f"No trained model yet. Train one:\n\n```\n{card.train_command}\n```")
            return
        if card.metrics:
            columns = st.columns(len(card.metrics))
            for column, (key, value) in zip(columns, card.metrics.items(), strict=True):
                column.metric(key, f"{value:.3f}")
        st.caption(f"Latest run: {card.run_dir}")


def home() -> None:
    """The default page: what each app does and how far it has got."""
    st.title("PyTorch reference apps")
    st.write(
        "Small, complete PyTorch apps: prepare data, define a model, train, evaluate, use, "
        "save. Pick an app in the sidebar to try its model."
    )
    for name in discover_pages():
        show_card(app_card(name))
    st.caption(f"Runs are read from `{runs_dir()}` (set REFAPPS_RUNS_DIR to change it).")
