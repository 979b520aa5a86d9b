"""The hub as a person sees it, in headless Chromium at desktop and 390 px phone width.

    pytest tests/browser          # screenshots in tests/browser/screenshots/

For each page: it opens with its title and no exception box, its main flow gives a result,
and one bad input (a broken upload) gives an error a person can read. The home page is a
gallery whose cards open the apps, `/home` and `/<app>` deep links work, and nothing is
fetched from outside localhost. Selectors are Streamlit's stable `data-testid`s (listed in
`RESULT`, `PROBLEM`, `UPLOAD`), `h1` for titles, and link names equal to the page titles.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from apps.hub import APPS_DIR, discover_pages, page_title

pytestmark = pytest.mark.browser

SHOTS_DIR = Path(__file__).parent / "screenshots"  # the conftest's folder, git-ignored
APPS = discover_pages()
TITLES = {name: page_title(APPS_DIR / name) for name in APPS}
EXCEPTION = '[data-testid="stException"]'
PROBLEM = '[data-testid="stAlertContentError"], [data-testid="stAlertContentWarning"]'
UPLOAD = '[data-testid="stFileUploaderDropzoneInput"]'
# What counts as "a result appeared": metrics, verdicts, charts, images, tables.
RESULT = ", ".join(
    f'[data-testid="stMain"] [data-testid="{testid}"]'
    for testid in ("stMetric", "stAlertContentSuccess", "stAlertContentWarning", "stVegaLiteChart",
                   "stImage", "stDataFrame", "stMarkdownContainer")
)  # fmt: skip


def settle(page: Any) -> None:
    """Wait until the script has run to the end (a rerun can start a moment after a click)."""
    page.wait_for_timeout(400)
    page.wait_for_selector('[data-test-script-state="notRunning"]', timeout=60_000)
    page.wait_for_timeout(200)


def eventually(page: Any, check: Any, what: str, timeout_seconds: float = 45) -> None:
    """Poll `check()` until true: a rerun may start late and run slowly on a loaded machine."""
    deadline = time.monotonic() + timeout_seconds
    while not check():
        assert time.monotonic() < deadline, f"not seen within {timeout_seconds} s: {what}"
        page.wait_for_timeout(250)
    settle(page)


def open_page(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("h1", timeout=60_000)
    settle(page)


def shot(page: Any, name: str) -> None:
    """Save the whole page: Streamlit scrolls inside its main block, so grow the viewport."""
    size = page.viewport_size
    height = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight ?? 0"
    )
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    page.wait_for_timeout(700)  # code blocks are drawn a moment later
    page.screenshot(path=str(SHOTS_DIR / f"{page.viewport_name}-{name}.png"))
    page.set_viewport_size(size)


def title(page: Any) -> str:
    return page.locator("h1").first.inner_text().strip()


def assert_no_exception(page: Any) -> None:
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).first.inner_text()


def upload(page: Any, path: Path) -> None:
    page.locator(UPLOAD).first.set_input_files(str(path))
    settle(page)


def problems(page: Any) -> set[str]:
    """The texts of the error and warning boxes on the page."""
    return set(page.locator(PROBLEM).all_inner_texts())


def expect_new_problem(page: Any, before: set[str], what: str) -> None:
    """Wait for an error or warning box that was not there before the bad input."""
    eventually(page, lambda: bool(problems(page) - before), what)


def count_results(page: Any) -> int:
    return page.locator(RESULT).count()


def test_home_is_a_gallery_of_working_links(page: Any, hub: Any) -> None:
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if "127.0.0.1" not in r.url else None)
    open_page(page, hub.url)
    assert title(page) == "PyTorch reference apps"
    main = page.locator('[data-testid="stMain"]')
    for name in APPS:
        assert main.get_by_role("link", name=TITLES[name], exact=True).is_visible(), name
    assert page.get_by_text("Deploy", exact=True).count() == 0
    assert_no_exception(page)
    shot(page, "home")
    main.get_by_role("link", name=TITLES["titanic"], exact=True).click()
    page.wait_for_url(re.compile(r"/titanic$"))
    settle(page)
    assert title(page) == TITLES["titanic"]
    assert not outside, f"requests left localhost: {outside}"


def test_home_deep_link_opens_home(page: Any, hub: Any) -> None:
    """(Each app test below opens its page by its deep link, `/<app>`.)"""
    open_page(page, f"{hub.url}/home")
    assert title(page) == "PyTorch reference apps"
    assert page.get_by_text("Page not found").count() == 0
    assert_no_exception(page)


def test_titanic_predicts_and_refuses_a_bad_csv(page: Any, hub: Any, tmp_path: Path) -> None:
    open_page(page, f"{hub.url}/titanic")
    before = count_results(page)
    page.locator('[data-testid="stFormSubmitButton"] button').first.click()
    eventually(page, lambda: count_results(page) > before, "a result after Predict")
    shot(page, "titanic")
    percent = page.get_by_text(re.compile(r"\d%"))
    eventually(page, lambda: percent.count() > 0, "a probability in percent")
    bad = tmp_path / "passengers.csv"
    bad.write_text("name;age\nJohn;30\n")
    before = problems(page)
    upload(page, bad)
    expect_new_problem(page, before, "an error for a bad CSV")
    assert_no_exception(page)
    shot(page, "titanic-bad-upload")


def test_cifar_classifies_an_upload_and_refuses_a_broken_image(
    page: Any, hub: Any, tmp_path: Path
) -> None:
    from PIL import Image

    open_page(page, f"{hub.url}/cifar")
    before = count_results(page)
    good = tmp_path / "plane.png"
    Image.new("RGB", (32, 32), (200, 200, 255)).save(good)
    upload(page, good)
    eventually(page, lambda: count_results(page) > before, "a result for an image")
    assert_no_exception(page)
    shot(page, "cifar")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n this is not an image")
    before = problems(page)
    upload(page, broken)
    expect_new_problem(page, before, "a message for a broken image")
    assert_no_exception(page)
    shot(page, "cifar-bad-upload")


def test_imdb_reads_a_review_and_answers_an_empty_one(page: Any, hub: Any) -> None:
    open_page(page, f"{hub.url}/imdb")
    predict = page.get_by_role("button", name=re.compile("predict", re.IGNORECASE)).first
    before = count_results(page)
    page.locator("textarea").first.fill("A wonderful, moving film. I loved every minute.")
    predict.click()
    eventually(page, lambda: count_results(page) > before, "a result for a review")
    assert_no_exception(page)
    shot(page, "imdb")
    before = problems(page)
    page.locator("textarea").first.fill("")
    predict.click()
    expect_new_problem(page, before, "a message for an empty review")
    assert_no_exception(page)


def test_covid_draws_a_forecast_and_refuses_an_empty_csv(
    page: Any, hub: Any, tmp_path: Path
) -> None:
    open_page(page, f"{hub.url}/covid_forecast")
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stVegaLiteChart"]')
    # the run's metrics may render a moment after the chart (a loaded CI machine): wait
    page.wait_for_selector('[data-testid="stMetric"]')
    assert page.locator('[data-testid="stMetric"]').count() > 0
    assert_no_exception(page)
    shot(page, "covid")
    empty = tmp_path / "counts.csv"
    empty.write_text("")
    before = problems(page)
    upload(page, empty)
    expect_new_problem(page, before, "an error for an empty CSV")
    assert_no_exception(page)
    shot(page, "covid-bad-upload")


def test_a_page_without_a_run_reloads_when_one_appears(browser: Any, hub: Any) -> None:
    if hub.runs_dir is None:
        pytest.skip("needs the runs folder of a hub these tests started")
    titanic, away = hub.runs_dir / "titanic", hub.runs_dir.parent / "titanic-away"
    shutil.move(titanic, away)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.viewport_name = "desktop"
        open_page(page, f"{hub.url}/titanic")
        note = page.locator('[data-testid="stAlertContentInfo"]').first
        # the command sits in a code block, which is drawn a moment after the text
        eventually(page, lambda: "refapps titanic train" in note.inner_text(), "the command")
        assert "reloads by itself" in note.inner_text()
        shot(page, "titanic-no-run")
        shutil.move(away, titanic)
        page.wait_for_selector('[data-testid="stFormSubmitButton"]', timeout=30_000)
        assert_no_exception(page)
    finally:
        if away.exists():
            shutil.move(away, titanic)
        context.close()
