from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from common.pages import MAX_UPLOAD_MB

PAGE = str(Path(__file__).resolve().parents[2] / "apps" / "cifar" / "demo.py")
NUM_SAMPLES = 6


def page(runs_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(runs_dir))
    return AppTest.from_file(PAGE, default_timeout=60)


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def verdicts(at: AppTest) -> list[str]:
    """The verdict lines of `common.pages.show_label` (success, or warning when uncertain)."""
    return [m.value for m in [*at.success, *at.warning]]


def marks(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "**Right**" in m.value or "**Wrong**" in m.value]


def captions(at: AppTest) -> list[str]:
    return [c for image in at.get("image") for c in image.captions if c.startswith("test image")]


@pytest.fixture
def trained_page(trained_run: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return page(trained_run.parent.parent, monkeypatch).run()


def test_page_without_a_run_says_how_to_train(tmp_path: Path, monkeypatch) -> None:
    at = page(tmp_path, monkeypatch).run()
    assert not at.exception
    assert "refapps cifar train" in at.info[0].value


def test_page_states_what_the_run_used(trained_page: AppTest) -> None:
    intro = trained_page.markdown[0].value
    assert "trained for 2 epochs on 32 images from CIFAR-2" in intro
    assert "classes: airplane, automobile" in intro


def test_uploader_states_the_real_limit_and_the_types(trained_page: AppTest) -> None:
    uploader = trained_page.file_uploader(key="upload")
    assert f"at most {MAX_UPLOAD_MB} MB" in uploader.label
    assert "PNG, JPEG" in uploader.label
    assert uploader.proto.max_upload_size_mb == MAX_UPLOAD_MB
    assert uploader.allowed_type == []  # any file reaches the page, which checks the content


def test_page_predicts_uploads_of_any_mode_with_clean_names(trained_page: AppTest) -> None:
    sixteen_bit = Image.fromarray(np.full((40, 40), 30000, dtype=np.uint16))
    assert sixteen_bit.mode == "I;16"  # the mode that crashed the page as a JPEG preview
    at = trained_page.file_uploader(key="upload")
    at.set_value(
        [
            ("a.png", png(Image.new("RGBA", (40, 40), (9, 9, 9, 90))), "image/png"),
            ("b.png", png(Image.new("L", (300, 100), 90)), "image/png"),
            ("c.png", png(sixteen_bit), "image/png"),
        ]
    ).run()
    at = trained_page
    assert not at.exception
    assert not at.error
    assert len(verdicts(at)) == 3
    assert all(("airplane" in v or "automobile" in v) and "_" not in v for v in verdicts(at))
    assert all("%" in v for v in verdicts(at))
    assert len(at.session_state["upload_results"]) == 3
    at.button(key="sample").click().run()  # an unrelated interaction keeps the results
    assert len(verdicts(at)) == 3 + NUM_SAMPLES


def test_page_shows_a_clear_error_for_a_wrong_type_or_broken_file(trained_page: AppTest) -> None:
    trained_page.file_uploader(key="upload").set_value(
        [("notes.txt", b"hello", "text/plain"), ("fake.png", b"<html>", "image/png")]
    ).run()
    assert not trained_page.exception
    errors = [e.value for e in trained_page.error]
    assert "notes.txt: not a readable image" in errors[0]
    assert "expected a PNG, JPEG" in errors[0]
    assert "fake.png: not a readable image" in errors[1]


def test_test_samples_are_marked_and_survive_toggling_flip(trained_page: AppTest) -> None:
    at = trained_page
    at.button(key="sample").click().run()
    assert not at.exception
    first = marks(at)
    assert len(first) == NUM_SAMPLES
    assert any(m.value.endswith(f"of {NUM_SAMPLES} right.**") for m in at.markdown)
    names = captions(at)
    assert len(names) == NUM_SAMPLES
    at.checkbox(key="flip").check().run()
    assert not at.exception
    assert len(marks(at)) == NUM_SAMPLES
    assert captions(at) == names  # the same images, not new ones
    assert len(verdicts(at)) == NUM_SAMPLES


def test_a_broken_run_shows_an_error_naming_it(
    trained_run: Path, tmp_path: Path, monkeypatch
) -> None:
    broken = tmp_path / "cifar" / trained_run.name
    shutil.copytree(trained_run, broken)
    (broken / "model.safetensors").write_bytes(b"truncated")
    at = page(tmp_path, monkeypatch).run()
    assert not at.exception
    assert str(broken) in at.error[0].value
    assert "refapps cifar train" in at.error[0].value


def test_missing_test_data_is_an_error_not_a_crash(
    trained_run: Path, tmp_path: Path, monkeypatch
) -> None:
    from apps.cifar import data
    from common.errors import DataNotFoundError

    def no_data(*args, **kwargs):
        raise DataNotFoundError("CIFAR-2 is not in /nowhere")

    shutil.copytree(trained_run, tmp_path / "cifar" / trained_run.name)  # a fresh cache key
    monkeypatch.setattr(data, "load_splits", no_data)
    at = page(tmp_path, monkeypatch).run()
    at.button(key="sample").click().run()
    assert not at.exception
    assert "test images are not available here: CIFAR-2 is not in /nowhere" in at.error[0].value


def test_corrupt_metrics_leave_the_page_working(
    trained_run: Path, tmp_path: Path, monkeypatch
) -> None:
    copy = tmp_path / "cifar" / trained_run.name
    shutil.copytree(trained_run, copy)
    (copy / "metrics.json").write_text("{not json")
    at = page(tmp_path, monkeypatch).run()
    assert not at.exception
    assert len(at.file_uploader) == 1  # uploads still work
    assert any(str(copy) in w.value and "metrics" in w.value for w in at.warning)


def test_an_unexpected_failure_shows_the_page_error_box_when_run_alone(
    trained_run: Path, tmp_path: Path, monkeypatch
) -> None:
    from apps.cifar.predict import Predictor

    def broken(*args, **kwargs):
        raise RuntimeError("the model blew up")

    shutil.copytree(trained_run, tmp_path / "cifar" / trained_run.name)
    monkeypatch.setenv("REFAPPS_CACHE", str(tmp_path / "cache"))  # the log goes here
    monkeypatch.setattr(Predictor, "predict_tensor", broken)
    at = page(tmp_path, monkeypatch).run()
    at.button(key="sample").click().run()
    assert not at.exception
    box = at.error[0].value
    assert "stopped with an unexpected error" in box
    assert "RuntimeError: the model blew up" in box
    assert "refapps cifar train" in box
