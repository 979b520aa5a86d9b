"""The Streamlit hub (`apps/streamlit_app.py`): a card per discovered app, then each app's page.

Without runs every card shows its train command and every page its "no trained model" note;
with a tiny Titanic run the Titanic card shows the run's test accuracy, and switching pages
loads the model once.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from apps.hub import APPS_DIR, app_card, card_metrics, describe, discover_pages, readme_intro

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


def test_card_prefers_test_metrics() -> None:
    metrics = {"test/accuracy": 0.8, "val/loss": 0.3, "train_seconds": 2.0, "flag/x": True}
    assert card_metrics(metrics) == {"test/accuracy": 0.8}
    assert card_metrics({"in_sample/mape": 0.2, "epochs": 3}) == {"in_sample/mape": 0.2}


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
    assert "test/accuracy" in labels
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
