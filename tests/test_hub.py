"""The Streamlit hub (`apps/streamlit_app.py`): a card per discovered app, then each app's page.

Without runs every card shows its train command and every page its "no trained model" note;
with a tiny Titanic run the Titanic card leads with "Test accuracy", and switching pages
loads the model once. A corrupt newest run gets an error card naming it (the other cards
still show) and an error box on its page, never an exception. Each app has one name: its
sidebar entry, card link and page title are the same text.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from apps.hub import (
    APPS_DIR,
    app_card,
    card_metrics,
    describe,
    discover_pages,
    metric_label,
    page_title,
    readme_intro,
    steps_line,
)
from apps.registry import STEPS

HUB = str(APPS_DIR / "streamlit_app.py")
APPS = discover_pages()


def passengers(num_rows: int, seed: int) -> pd.DataFrame:
    """Titanic-shaped rows where women and first class survive more often."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["male", "female"], num_rows)
    pclass = rng.choice([1, 2, 3], num_rows)
    survived = ((sex == "female") | (pclass == 1)).astype(int)
    return pd.DataFrame(
        {
            "PassengerId": np.arange(num_rows) + 1,
            "Survived": survived,
            "Pclass": pclass,
            "Name": [f"Doe, {'Mrs' if s == 'female' else 'Mr'}. J" for s in sex],
            "Sex": sex,
            "Age": rng.uniform(1, 70, num_rows).round(),
            "SibSp": rng.integers(0, 3, num_rows),
            "Parch": rng.integers(0, 3, num_rows),
            "Ticket": "A/5",
            "Fare": rng.uniform(5, 100, num_rows).round(2),
            "Cabin": None,
            "Embarked": rng.choice(["S", "C", "Q"], num_rows),
        }
    )


@pytest.fixture(scope="module")
def titanic_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A runs folder holding one tiny Titanic run (two epochs on 64 generated passengers)."""
    from apps.titanic.config import TRAIN_DEFAULTS, DataConfig, ModelConfig
    from apps.titanic.train import train

    folder = tmp_path_factory.mktemp("hub")
    train_csv, test_csv = folder / "train.csv", folder / "test.csv"
    passengers(64, seed=0).to_csv(train_csv, index=False)
    passengers(32, seed=1).to_csv(test_csv, index=False)
    runs = folder / "runs"
    train_cfg = dataclasses.replace(TRAIN_DEFAULTS, epochs=2, runs_dir=runs)
    train(DataConfig(train_csv, test_csv), ModelConfig(hidden=(4,)), train_cfg, progress=False)
    return runs


def test_apps_are_discovered_from_their_page_files(tmp_path: Path) -> None:
    for folder in ("alpha", "beta", "not-a-package", ".new-x-123/gamma"):
        (tmp_path / folder).mkdir(parents=True)
    for page in ("alpha/demo.py", "not-a-package/demo.py", ".new-x-123/gamma/demo.py"):
        (tmp_path / page).write_text("")
    assert discover_pages(tmp_path) == ["alpha"]
    assert {"titanic", "covid_forecast"} <= set(APPS)
    assert describe(APPS_DIR / "titanic") == ("Titanic survival", "tabular binary classification")


def test_card_text_comes_from_the_docstring_and_readme(tmp_path: Path) -> None:
    app_dir = tmp_path / "apps" / "widgets"
    app_dir.mkdir(parents=True)
    (app_dir / "__init__.py").write_text('"""Widgets: counting widgets."""\n')
    (app_dir / "README.md").write_text("# Widgets\n\nCounts widgets\nin photos.\n\n## Quick\n")
    assert describe(app_dir) == ("Widgets", "counting widgets")
    assert readme_intro(app_dir) == "Counts widgets in photos."
    card = app_card("widgets", tmp_path / "apps", runs=tmp_path / "runs")
    assert card.run_dir is None
    assert card.train_command == "refapps widgets train"


def test_card_prefers_test_metrics_headline_first_loss_last() -> None:
    metrics = {"test/accuracy": 0.8, "val/loss": 0.3, "train_seconds": 2.0, "flag/x": True}
    assert card_metrics(metrics) == {"test/accuracy": 0.8}
    assert card_metrics({"in_sample/mape": 0.2, "epochs": 3}) == {"in_sample/mape": 0.2}
    cifar = {"test/loss": 6.6, "test/f1": 0.9, "test/auroc": 0.99, "test/accuracy": 0.98}
    assert list(card_metrics(cifar)) == ["test/accuracy", "test/auroc", "test/f1"]
    covid = {"in_sample/loss": 0.05, "in_sample/mae": 6.2, "in_sample/smape": 0.13}
    covid |= {"in_sample/mape": 0.14, "in_sample/naive_mape": 0.17}
    assert list(card_metrics(covid)) == ["in_sample/mape", "in_sample/smape", "in_sample/mae"]


def test_metric_labels_are_words() -> None:
    assert metric_label("test/accuracy") == "Test accuracy"
    assert metric_label("test/auroc") == "Test AUROC"
    assert metric_label("test/f1_macro") == "Test macro F1"
    assert metric_label("in_sample/smape") == "In-sample sMAPE"
    assert metric_label("in_sample/naive_mape") == "In-sample naive MAPE"


def test_page_title_is_read_from_the_page(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text('"""Widgets: counting widgets."""\n')
    assert page_title(tmp_path) == "Widgets"  # no page yet: the docstring title
    (tmp_path / "demo.py").write_text('import streamlit as st\nst.title("Widgets: how many?")\n')
    assert page_title(tmp_path) == "Widgets: how many?"


def test_home_without_runs_shows_how_to_train_each_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(tmp_path / "empty"))
    at = AppTest.from_file(HUB, default_timeout=30).run()
    assert not at.exception
    infos = " ".join(info.value for info in at.info)
    for name in APPS:
        assert f"refapps {name} train" in infos
    assert len(at.info) == len(APPS)
    assert not at.metric
    assert steps_line() in [markdown.value for markdown in at.markdown]


def test_home_names_the_six_steps_as_the_readme_and_docstrings_do() -> None:
    line = steps_line()
    assert line.startswith("1 prepare the data (`data.py`) · 2 define the model (`model.py`)")
    assert "· 3 train and 4 evaluate (`train.py`) · 5 use the model (`predict.py`)" in line
    assert line.endswith(f"· 6 save (`{STEPS[-1].file}`)")
    assert "cli.py" not in line, "front-ends are not steps"


def test_every_page_without_a_run_says_how_to_train(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(tmp_path / "empty"))
    at = AppTest.from_file(HUB, default_timeout=30).run()
    for name in APPS:
        at.switch_page(f"{name}/demo.py").run()
        assert not at.exception, name
        assert f"refapps {name} train" in at.info[0].value
        assert at.title[0].value != "PyTorch reference apps"


def test_titanic_card_shows_the_latest_test_accuracy(
    titanic_runs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(titanic_runs))
    at = AppTest.from_file(HUB, default_timeout=30).run()
    assert not at.exception
    labels = [metric.label for metric in at.metric]
    assert labels == ["Test accuracy"]
    infos = " ".join(info.value for info in at.info)
    assert "refapps titanic train" not in infos
    assert len(at.info) == len(APPS) - 1


def test_switching_pages_loads_the_model_once(
    titanic_runs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import apps.titanic.predict as titanic_predict

    loads: list[Path] = []
    original = titanic_predict.load_predictor

    def counting_load(run_dir: Path) -> object:
        loads.append(run_dir)
        return original(run_dir)

    monkeypatch.setattr(titanic_predict, "load_predictor", counting_load)
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(titanic_runs))
    at = AppTest.from_file(HUB, default_timeout=30).run()
    for page in ("titanic/demo.py", "covid_forecast/demo.py", "titanic/demo.py"):
        at.switch_page(page).run()
        assert not at.exception, page
    assert at.title[0].value == "Titanic: who survives?"
    assert at.metric, "the Titanic page shows its run's metrics"
    assert len(loads) == 1


def test_one_name_per_app_in_sidebar_card_and_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(tmp_path / "empty"))
    at = AppTest.from_file(HUB, default_timeout=30).run()
    sidebar = [link.proto.label for link in at.sidebar.get("page_link")]
    cards = [link.proto.label.strip("*") for link in at.main.get("page_link")]
    for name in APPS:
        title = page_title(APPS_DIR / name)
        assert title in sidebar
        assert title in cards
        at.switch_page(f"{name}/demo.py").run()
        assert at.title[0].value == title, name


def break_newest_run(good_runs: Path, runs: Path, app: str, damage: str) -> Path:
    """A copy of `good_runs` whose newest `app` run has a damaged file."""
    shutil.copytree(good_runs, runs)
    good = next(p for p in (runs / app).iterdir() if p.is_dir())
    broken = shutil.copytree(good, runs / app / "29991231-235959")
    (runs / app / "LATEST").write_text(broken.name + "\n")
    if damage == "weights":
        weights = broken / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:100])
    else:
        (broken / "metrics.json").write_text('{"test/accuracy": 0.8')
    return broken


@pytest.mark.parametrize("damage", ["weights", "metrics"])
def test_a_broken_newest_run_gets_an_error_card_not_an_exception(
    titanic_runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    broken = break_newest_run(titanic_runs, tmp_path / "runs", "titanic", damage)
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("REFAPPS_CACHE", str(tmp_path / "cache"))
    at = AppTest.from_file(HUB, default_timeout=30).run()
    assert not at.exception
    (error,) = at.error
    assert str(broken) in error.value
    assert "refapps titanic train" in error.value
    assert len(at.info) == len(APPS) - 1, "the other apps still have their cards"
    if damage == "weights":
        at.switch_page("titanic/demo.py").run()
        assert not at.exception
        page_error = at.error[0].value
        assert str(broken) in page_error
        assert "delete the folder" in page_error
        assert str(tmp_path / "cache" / "logs" / "pages.log") in page_error
