"""Streamlit helpers: no run -> an actionable message; a run -> its metrics and curves."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from common.runs import finish_run, new_run_dir

ROOT = Path(__file__).resolve().parents[2]

PAGE = """
import streamlit as st
from common.pages import find_run_or_stop, show_run_summary, upload_too_large

class Upload:
    name, size = "big.csv", 21 * 1024 * 1024

run = find_run_or_stop("alpha")
st.write(f"using {run.name}")
show_run_summary(run, ("test/accuracy",))
upload_too_large(Upload())
"""


@pytest.fixture
def page():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_string(PAGE, default_timeout=30)


def test_no_run_shows_the_train_command(page, runs_dir):
    at = page.run()
    assert not at.exception
    assert "refapps alpha train" in at.info[0].value
    assert not at.markdown  # st.stop(): nothing after the message ran


def test_a_run_shows_metrics_curves_and_upload_errors(page, runs_dir):
    run_dir = new_run_dir(runs_dir, "alpha")
    (run_dir / "model.safetensors").write_bytes(b"w")
    (run_dir / "model.json").write_text("{}")
    records = [{"epoch": 1, "train/loss": 0.7, "val/loss": 0.6}]
    finish_run(run_dir, records, {"test/accuracy": 0.8125, "note": "text is skipped"})
    at = page.run()
    assert not at.exception
    assert f"using {run_dir.name}" in at.markdown[0].value
    assert [m.label for m in at.metric] == ["test/accuracy"]
    assert at.metric[0].value == "0.812"
    assert "big.csv is larger than 20 MB" in at.error[0].value


def test_streamlit_config_keeps_the_promises():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    from common.pages import MAX_UPLOAD_MB

    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["fileWatcherType"] == "none"
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB


def test_torch_floor_for_the_weights_only_loader():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch_req = next(d for d in project["dependencies"] if d.startswith("torch>="))
    major, minor = (int(p) for p in torch_req.removeprefix("torch>=").split(".")[:2])
    assert (major, minor) >= (2, 10)
