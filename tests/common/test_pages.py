"""Streamlit helpers: no run -> an actionable message; a run -> its metrics and curves;
anything unexpected on a page -> one error box naming the run, the fix and the log file."""

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


def test_no_run_says_where_to_train_and_that_the_page_reloads(page, runs_dir):
    at = page.run()
    note = at.info[0].value
    assert str(Path.cwd()) in note
    assert str(runs_dir.resolve()) in note
    assert "--runs-dir" in note  # REFAPPS_RUNS_DIR is set: training must write there
    assert "reloads by itself" in note


def test_a_run_shows_metrics_curves_and_upload_errors(page, runs_dir):
    run_dir = new_run_dir(runs_dir, "alpha")
    (run_dir / "model.safetensors").write_bytes(b"w")
    (run_dir / "model.json").write_text("{}")
    records = [{"epoch": 1, "train/loss": 0.7, "val/loss": 0.6}]
    records.append({"epoch": 2, "train/loss": 0.5, "val/loss": 0.55})
    finish_run(run_dir, records, {"test/accuracy": 0.8125, "note": "text is skipped"})
    (run_dir / "history.csv").write_text("epoch,train/loss,val/loss\n1,0.7,0.6\n2,0.5,0.55\n")
    at = page.run()
    assert not at.exception
    assert f"using {run_dir.name}" in at.markdown[0].value
    assert [m.label for m in at.metric] == ["test/accuracy"]
    assert at.metric[0].value == "0.812"
    assert "big.csv is larger than 20 MB" in at.error[0].value
    assert len(at.get("image")) == 1, "two epochs: the curves image"


def test_one_epoch_shows_its_figures_not_a_curve(page, runs_dir):
    run_dir = new_run_dir(runs_dir, "alpha")
    (run_dir / "model.safetensors").write_bytes(b"w")
    (run_dir / "model.json").write_text("{}")
    finish_run(run_dir, [{"epoch": 1, "train/loss": 0.7}], {"test/accuracy": 0.5})
    (run_dir / "history.csv").write_text("epoch,train/loss,val/loss\n1,0.7,0.6\n")
    at = page.run()
    assert not at.exception
    assert "one epoch" in at.caption[0].value
    assert not at.get("image")
    table = at.dataframe[0].value
    assert list(table.index) == ["loss"]
    assert table.loc["loss"].to_dict() == {"train": 0.7, "val": 0.6}


def test_a_corrupt_metrics_file_is_a_warning(page, runs_dir):
    run_dir = new_run_dir(runs_dir, "alpha")
    (run_dir / "model.safetensors").write_bytes(b"w")
    (run_dir / "model.json").write_text("{}")
    (run_dir / "metrics.json").write_text("{not json")
    at = page.run()
    assert not at.exception
    assert "metrics.json" in at.warning[0].value


BOUNDARY = """
import streamlit as st
from common.pages import find_run_or_stop, page_errors

def main():
    run = find_run_or_stop("alpha")
    st.write("before the bug")
    raise RuntimeError("boom in the page")

with page_errors("Alpha page"):
    main()
"""


def test_page_errors_names_the_run_the_fix_and_the_log(runs_dir, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("REFAPPS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("REFAPPS_DEBUG", raising=False)
    run_dir = new_run_dir(runs_dir, "alpha")
    (run_dir / "model.safetensors").write_bytes(b"w")
    (run_dir / "model.json").write_text("{}")
    at = AppTest.from_string(BOUNDARY, default_timeout=30).run()
    assert not at.exception
    assert at.markdown[0].value == "before the bug"
    message = at.error[0].value
    log_path = tmp_path / "cache" / "logs" / "pages.log"
    for text in ("Alpha page", "RuntimeError: boom in the page", str(run_dir), str(log_path)):
        assert text in message
    assert "refapps alpha train" in message
    assert 'raise RuntimeError("boom in the page")' in log_path.read_text()
    monkeypatch.setenv("REFAPPS_DEBUG", "1")
    assert AppTest.from_string(BOUNDARY, default_timeout=30).run().exception


NESTED = """
import streamlit as st
from common.pages import page_errors

with page_errors("Hub"):  # apps/streamlit_app.py around a page
    with page_errors("Alpha page"):  # the page's own, so it is guarded when run alone
        raise RuntimeError("boom in the page")
"""


def test_nested_page_errors_show_one_box(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("REFAPPS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("REFAPPS_DEBUG", raising=False)
    at = AppTest.from_string(NESTED, default_timeout=30).run()
    assert not at.exception
    assert len(at.error) == 1
    assert "**Alpha page**" in at.error[0].value


def test_page_errors_lets_st_stop_through(runs_dir):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(BOUNDARY, default_timeout=30).run()  # no run: st.stop()
    assert not at.exception
    assert not at.error
    assert "refapps alpha train" in at.info[0].value


def test_upload_file_states_what_and_the_real_limit():
    from streamlit.testing.v1 import AppTest

    script = (
        "from common.pages import upload_file\n"
        "upload_file('Passenger CSV', 'a .csv with the Titanic columns', ['csv'], 'up')\n"
    )
    at = AppTest.from_string(script, default_timeout=30).run()
    (uploader,) = at.get("file_uploader")
    assert uploader.proto.label == "Passenger CSV: a .csv with the Titanic columns, up to 20 MB"
    assert uploader.proto.max_upload_size_mb == 20


def test_curves_have_points_whole_epochs_and_one_epoch_values():
    from common.plots import plot_history

    fig = plot_history([{"epoch": 1, "train/loss": 0.5, "val/loss": 0.25}])
    ax = fig.axes[0]
    assert all(line.get_marker() not in (None, "None", "") for line in ax.get_lines())
    assert {text.get_text() for text in ax.texts} == {"0.5", "0.25"}
    fig = plot_history([{"epoch": e, "train/loss": 1 / e} for e in (1, 2, 3)])
    ticks = fig.axes[0].get_xticks()
    assert all(float(t).is_integer() for t in ticks)
    assert not fig.axes[0].texts


def test_streamlit_config_keeps_the_promises():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    from common.pages import MAX_UPLOAD_MB

    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["fileWatcherType"] == "none"
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB
    assert config["client"]["toolbarMode"] == "minimal"  # no Deploy button


def test_the_hub_reads_the_same_config_from_any_folder():
    # Streamlit reads $CWD/.streamlit and, last, the main script's own .streamlit folder.
    project = (ROOT / ".streamlit" / "config.toml").read_text()
    assert (ROOT / "apps" / ".streamlit" / "config.toml").read_text() == project


def test_torch_floor_for_the_weights_only_loader():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch_req = next(d for d in project["dependencies"] if d.startswith("torch>="))
    major, minor = (int(p) for p in torch_req.removeprefix("torch>=").split(".")[:2])
    assert (major, minor) >= (2, 10)
