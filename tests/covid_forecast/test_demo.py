from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).parents[2] / "apps" / "covid_forecast" / "demo.py")


@pytest.fixture
def runs_with_model(tiny_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    runs = tmp_path / "runs"
    shutil.copytree(tiny_run.parent, runs / "covid_forecast")
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(runs))
    return runs


def test_page_without_a_run_says_how_to_train(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(tmp_path / "empty"))
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    assert "refapps covid_forecast train" in at.info[0].value


def test_page_forecasts_with_a_run(runs_with_model: Path) -> None:
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    assert not at.exception
    at.slider(key="days").set_value(30).run()
    at.selectbox(key="series").set_value("dead_num").run()
    assert not at.exception
    assert "First day with no new dead_num" in at.metric[0].label  # the selected series
    assert len(at.get("arrow_vega_lite_chart")) >= 1 or at.get("vega_lite_chart")


def test_page_rejects_a_bad_upload(runs_with_model: Path) -> None:
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    bad = b"date,confirmed_num,cured_num,dead_num\n2020-03-01,5,1,1\n2020-03-02,3,1,1\n"
    at.file_uploader(key="upload").upload("bad.csv", bad, "text/csv").run()
    assert not at.exception
    assert "goes down" in at.error[0].value


@pytest.fixture
def runs_with_global(
    tiny_global_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    runs = tmp_path / "runs"
    shutil.copytree(tiny_global_run.parent, runs / "covid_forecast")
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(runs))
    return runs


def test_global_page_forecasts_a_country(runs_with_global: Path) -> None:
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    assert not at.exception
    assert "5 JHU countries" in at.markdown[0].value  # the text comes from the run
    assert at.selectbox(key="country").value == "Italy"
    assert "Italy" in at.metric[0].label
    assert any("Method used: global" in c.value for c in at.caption)
    assert "No backtest in this run yet" in at.info[0].value
    at.selectbox(key="country").set_value("US").run()
    assert not at.exception
    assert "US" in at.metric[0].label
    assert "covid_forecasts" in at.session_state


def test_page_alone_shows_a_broken_run_in_an_error_box(
    runs_with_model: Path, tmp_path: Path
) -> None:
    run_dir = (
        runs_with_model
        / "covid_forecast"
        / (runs_with_model / "covid_forecast" / "LATEST").read_text().strip()
    )
    weights = run_dir / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])  # truncated, as by a half-finished copy
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    assert not at.exception  # no traceback box: the page's own boundary caught it
    assert any(str(run_dir) in e.value for e in at.error)


@pytest.mark.parametrize(
    ("content", "fragment"), [(b"", "is empty"), (b"date,confirmed_num\n", "no rows")]
)
def test_page_explains_empty_and_header_only_uploads(
    runs_with_model: Path, content: bytes, fragment: str
) -> None:
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    at.file_uploader(key="upload").upload("empty.csv", content, "text/csv").run()
    assert not at.exception
    assert fragment in at.error[0].value
