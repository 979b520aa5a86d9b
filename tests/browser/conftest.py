"""A real hub in a real browser: tiny trained runs, a Streamlit server, headless Chromium.

    pytest tests/browser -m browser          # part of `make test`; about a minute on 2 cores

Session fixtures: `hub` trains one tiny run per app with the public CLI (`python -m
apps.cli <app> train` on tiny generated files, in parallel), then starts `streamlit run
apps/streamlit_app.py` on a free localhost port with `REFAPPS_RUNS_DIR` pointing at them.
`browser` launches Debian's Chromium through Playwright (no browser download). Everything
skips, with the reason, when Chromium or Playwright is missing. Screenshots go to
tests/browser/screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("REFAPPS_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS_DIR = Path(__file__).parent / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
START_SECONDS = 60


def _need_browser() -> None:
    if not CHROMIUM.is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM}: `apt-get install chromium` (as root)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("Python package playwright is not installed: pip install -e '.[dev]'")


def write_passengers(root: Path, rng: np.random.Generator, n: int = 48) -> None:
    """titanic-{train,test}.csv: women in 1st and 2nd class survive."""
    sex = np.array(["male", "female"])[np.arange(n) % 2]
    pclass = 1 + (np.arange(n) // 2) % 3
    titanic = pd.DataFrame(
        {
            "PassengerId": np.arange(n) + 1,
            "Survived": ((sex == "female") & (pclass < 3)).astype(int),
            "Pclass": pclass,
            "Name": [f"Doe{i}, {'Mrs' if s == 'female' else 'Mr'}. J" for i, s in enumerate(sex)],
            "Sex": sex,
            "Age": rng.integers(2, 70, n),
            "SibSp": rng.integers(0, 3, n),
            "Parch": rng.integers(0, 3, n),
            "Ticket": "A/5",
            "Fare": rng.uniform(5, 100, n).round(2),
            "Cabin": None,
            "Embarked": np.array(["S", "C", "Q"])[np.arange(n) % 3],
        }
    )
    titanic.iloc[:32].to_csv(root / "titanic-train.csv", index=False)
    titanic.iloc[32:].to_csv(root / "titanic-test.csv", index=False)


def write_images(root: Path, rng: np.random.Generator) -> None:
    """images/{train,test}/{airplane,automobile}/*.jpg: bright top half or bright bottom half."""
    for split in ("train", "test"):
        for label, name in enumerate(("airplane", "automobile")):
            folder = root / "images" / split / name
            folder.mkdir(parents=True)
            for i in range(8):
                pixels = rng.integers(0, 80, (32, 32, 3), dtype=np.uint8)
                pixels[16 * label : 16 * label + 16] += 150
                Image.fromarray(pixels).save(folder / f"{i}.jpg")


def write_texts(root: Path) -> None:
    """reviews.csv of (label, text), imdb's CR choosing set, and covid.csv, tab-separated
    cumulative counts."""
    words = {1: "great wonderful superb loved", 0: "awful boring dull hated"}
    reviews = [
        (label, f"the film was {words[label]} and {i}") for i in range(24) for label in (0, 1)
    ]
    pd.DataFrame(reviews, columns=["label", "text"]).to_csv(root / "reviews.csv", index=False)
    choosing = root / "imdb" / "select" / "customer_reviews.csv"  # imdb fits its stack on it
    choosing.parent.mkdir(parents=True)
    rows = [(f"this phone is {words[label]} .", label) for label in (1, 0, 1) for _ in range(4)]
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(choosing, index=False)
    t = np.arange(30)
    daily = np.stack([300 * np.exp(-(((t - 12) / 6) ** 2)) + 3, 40 + 5 * t, 1 + 0 * t], axis=1)
    covid = pd.DataFrame(
        np.round(daily.cumsum(0)), columns=["confirmed_num", "cured_num", "dead_num"]
    )
    covid.insert(0, "date", pd.date_range("2020-01-24", periods=30).strftime("%Y-%m-%d"))
    covid.to_csv(root / "covid.csv", sep="\t", index=False)


def write_tiny_data(root: Path) -> dict[str, list[str]]:
    """Tiny files for every app; returns each app's data and size options for `train`."""
    rng = np.random.default_rng(0)
    write_passengers(root, rng)
    write_images(root, rng)
    write_texts(root)
    reviews_csv = str(root / "reviews.csv")
    return {
        "titanic": ["--train-csv", str(root / "titanic-train.csv"),
                    "--test-csv", str(root / "titanic-test.csv"), "--hidden", "4"],
        "cifar": ["--data-dir", str(root / "images"), "--width", "8", "--batch-size", "8"],
        "imdb": ["--train-file", reviews_csv, "--test-file", reviews_csv, "--vocab-size", "200",
                 "--min-frequency", "1", "--min-ngram-reviews", "1"],
        "covid_forecast": ["--csv", str(root / "covid.csv"), "--members", "2",
                           "--hidden-size", "4"],
    }  # fmt: skip


def _env(**extra: str) -> dict[str, str]:
    return (
        os.environ | {"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"} | extra
    )


def train_tiny_runs(data_dir: Path, runs_dir: Path, cache_dir: Path) -> None:
    """One 2-epoch run per app, trained through the public CLI (`refapps <app> train ...`).

    In this process, one app after another: torch is imported once, not four times.
    """
    from typer.testing import CliRunner

    from apps.cli import app as cli

    env = {"REFAPPS_DATA": str(data_dir), "REFAPPS_CACHE": str(cache_dir)}
    for app, options in write_tiny_data(data_dir).items():
        command = [app, "train", *options, "--epochs", "2", "--device", "cpu"]
        result = CliRunner().invoke(cli, [*command, "--runs-dir", str(runs_dir)], env=env)
        assert result.exit_code == 0, f"tiny {app} run failed:\n{result.output[-3000:]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_healthy(
    url: str, server: subprocess.Popen, log_path: Path, timeout_seconds: float
) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"streamlit did not answer at {url} within {timeout_seconds} s")


@dataclass(frozen=True)
class Hub:
    url: str
    runs_dir: Path | None  # None: a hub started by hand (`REFAPPS_HUB_URL`)


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A running hub whose four apps each have a tiny trained run.

    `REFAPPS_HUB_URL=http://127.0.0.1:8501` uses a hub you started yourself instead.
    """
    _need_browser()
    if os.environ.get("REFAPPS_HUB_URL"):
        yield Hub(os.environ["REFAPPS_HUB_URL"].rstrip("/"), None)
        return
    base = tmp_path_factory.mktemp("browser")
    (base / "data").mkdir()
    runs_dir, cache_dir, log_path = base / "runs", base / "cache", base / "streamlit.log"
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "apps/streamlit_app.py"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    env = _env(REFAPPS_RUNS_DIR=str(runs_dir), REFAPPS_CACHE=str(cache_dir),
               REFAPPS_DATA=str(base / "data"))  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:  # a file, not a pipe nobody reads (it would fill and block)
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        train_tiny_runs(base / "data", runs_dir, cache_dir)  # while the server starts
        wait_until_healthy(url, server, log_path, START_SECONDS)
        yield Hub(url, runs_dir)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="session")
def browser(hub: Hub) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(params=list(VIEWPORTS))
def page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """A fresh page at desktop width, then at 390 px phone width (`page.viewport_name`)."""
    context = browser.new_context(viewport=VIEWPORTS[request.param])
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.viewport_name = request.param
    SHOTS_DIR.mkdir(exist_ok=True)
    yield tab
    context.close()
