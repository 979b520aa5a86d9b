"""The Streamlit page: no run -> info; a review -> verdict, bar and highlights; state kept."""

from __future__ import annotations

import json
import shutil
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
def runs_root(trained_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shared run (tests may edit its model.json)."""
    root = tmp_path / "runs"
    shutil.copytree(trained_run.parent.parent, root)
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(root))
    return root


@pytest.fixture
def page(runs_root: Path) -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=30).run()


def test_page_predicts_with_verdict_bar_legend_and_highlights(page: AppTest) -> None:
    assert "reviews" in page.markdown[0].value  # the intro says what the run used
    assert "32" in page.markdown[0].value or "28" in page.markdown[0].value
    page.text_area(key="review").input("great wonderful superb film").run()
    page.button(key="predict").click().run()
    assert not page.exception
    assert page.metric[0].value in ("positive", "negative")
    assert page.get("vega_lite_chart")  # the probability bar
    assert any("pushed towards positive" in m.value for m in page.markdown)  # the legend
    assert any("<span" in m.value and "great" in m.value for m in page.markdown)
    verdicts = [*page.success, *page.error, *page.warning]
    assert verdicts
    assert "positive" in verdicts[0].value.lower() or "negative" in verdicts[0].value.lower()


def test_page_example_is_one_click_and_the_result_survives_other_edits(page: AppTest) -> None:
    page.button(key="example_Negative").click().run()
    assert not page.exception
    assert page.text_area(key="review").value.startswith("What a waste")
    assert page.metric[0].value in ("positive", "negative")
    page.text_area(key="review").input("something else entirely").run()  # an unrelated edit
    assert page.metric[0].value in ("positive", "negative")  # still shown
    assert any("when you pressed Predict" in c.value for c in page.caption)


def test_page_applies_the_saved_threshold_like_the_cli(runs_root: Path) -> None:
    meta_path = next(runs_root.glob("imdb/*/model.json"))
    meta = json.loads(meta_path.read_text())
    for threshold, label in ((0.999, "negative"), (0.001, "positive")):
        meta_path.write_text(json.dumps(meta | {"threshold": threshold}))
        at = AppTest.from_file(PAGE, default_timeout=30).run()
        at.text_area(key="review").input("great wonderful superb").run()
        at.button(key="predict").click().run()
        assert not at.exception
        assert at.metric[0].value == label


def test_page_handles_empty_and_huge_text(page: AppTest) -> None:
    page.text_area(key="review").input("   ").run()
    page.button(key="predict").click().run()
    assert page.warning
    assert "empty" in page.warning[0].value
    assert not page.exception
    page.text_area(key="review").input("great film " * 10_000).run()  # 110,000 characters
    page.button(key="predict").click().run()
    assert not page.exception
    assert page.metric
