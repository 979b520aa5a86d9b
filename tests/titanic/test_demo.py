from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "apps" / "titanic" / "demo.py")


def page(runs_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(runs_dir))
    return AppTest.from_file(PAGE, default_timeout=60).run()


@pytest.fixture
def at(trained_run: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    at = page(trained_run.parent.parent, monkeypatch)
    assert not at.exception
    return at


def test_page_without_a_run_says_how_to_train(tmp_path: Path, monkeypatch) -> None:
    at = page(tmp_path, monkeypatch)
    assert not at.exception
    assert "refapps titanic train" in at.info[0].value
    assert not at.metric


def test_page_shows_the_run_summary(at: AppTest, trained_run: Path) -> None:
    assert [m.label for m in at.metric] == ["test/accuracy", "test/auroc", "test/f1"]
    assert trained_run.name in at.caption[-1].value


def verdict(at: AppTest) -> str:
    (box,) = [*at.success, *at.warning]
    return box.value


def test_form_submit_shows_a_verdict_and_a_bar(at: AppTest) -> None:
    at.selectbox(key="pclass").set_value(1)
    at.selectbox(key="sex").set_value("female")
    at.number_input(key="age").set_value(29.0)
    at.number_input(key="fare").set_value(80.0)
    at.number_input(key="sibsp").set_value(1)
    at.selectbox(key="embarked").set_value("C")
    at.text_input(key="name").set_value("Doe, Mrs. Jane")
    at.button[-1].click().run()
    assert not at.exception
    assert not at.error
    assert "survived" in verdict(at) or "died" in verdict(at)
    assert "%" in verdict(at)
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")


def test_example_passenger_is_one_click_away(at: AppTest) -> None:
    at.button(key="example_2nd-class boy").click().run()
    assert not at.exception
    assert at.text_input(key="name").value == "Becker, Master. Richard F"
    assert at.number_input(key="age").value == 4.0
    assert "%" in verdict(at)


def test_intro_states_what_the_run_used(at: AppTest) -> None:
    intro = " ".join(m.value for m in at.markdown)
    assert "40 passengers" in intro  # the fixture run's training rows, read from model.json
    assert "a small MLP" in intro


def test_good_csv_upload_gives_a_table_and_a_download(at: AppTest, test_csv: Path) -> None:
    upload = pd.read_csv(test_csv).drop(columns=["Survived"]).to_csv(index=False).encode()
    at.file_uploader(key="upload").upload("people.csv", upload, "text/csv").run()
    assert not at.exception
    assert not at.error
    table = at.dataframe[0].value
    assert len(table) == 20
    assert list(table.columns[:2]) == ["predicted", "survival_probability"]
    assert at.get("download_button")


def test_result_survives_a_csv_upload(at: AppTest, test_csv: Path) -> None:
    at.button(key="example_1st-class lady").click().run()
    before = verdict(at)
    upload = pd.read_csv(test_csv).to_csv(index=False).encode()
    at.file_uploader(key="upload").upload("people.csv", upload, "text/csv").run()
    assert not at.exception
    assert verdict(at) == before
    assert at.dataframe


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Pclass,Sex,Age,SibSp,Parch,Fare,Embarked\n3,x,22,0,0,7.25,S\n", "Sex must be one of"),
        (b"Pclass,Sex,Age\n3,male,22\n", "missing the column(s) SibSp, Parch, Fare, Embarked"),
        (b"", "bad.csv is empty"),
    ],
)
def test_bad_csv_upload_shows_an_error(at: AppTest, content: bytes, message: str) -> None:
    at.file_uploader(key="upload").upload("bad.csv", content, "text/csv").run()
    assert not at.exception
    assert message in at.error[0].value
    assert not at.dataframe
    assert not at.get("download_button")
