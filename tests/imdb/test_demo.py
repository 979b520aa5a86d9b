"""The Streamlit page: no run -> info; a review -> sentiment; empty and huge texts handled."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "apps" / "imdb" / "demo.py")


def test_page_without_a_run_says_how_to_train(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(tmp_path))
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert at.info
    assert "refapps imdb train" in at.info[0].value


@pytest.fixture
def page(trained_run: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(trained_run.parent.parent))
    return AppTest.from_file(PAGE, default_timeout=30).run()


def test_page_predicts_and_highlights(page: AppTest) -> None:
    page.text_area(key="review").input("great wonderful superb film").run()
    page.button(key="predict").click().run()
    assert not page.exception
    assert page.metric[0].value in ("positive", "negative")
    assert any("<span" in m.value for m in page.markdown)


def test_page_example_fills_the_text_box(page: AppTest) -> None:
    page.selectbox(key="example").select("Negative").run()
    assert page.text_area(key="review").value.startswith("What a waste")
    page.button(key="predict").click().run()
    assert not page.exception
    assert page.metric[0].value in ("positive", "negative")


def test_page_handles_empty_and_huge_text(page: AppTest) -> None:
    page.text_area(key="review").input("   ").run()
    page.button(key="predict").click().run()
    assert page.warning
    assert not page.exception
    page.text_area(key="review").input("great film " * 10_000).run()  # 110,000 characters
    page.button(key="predict").click().run()
    assert not page.exception
    assert page.metric
