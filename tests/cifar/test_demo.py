from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "apps" / "cifar" / "demo.py")


def page(runs_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(runs_dir))
    return AppTest.from_file(PAGE, default_timeout=60)


def png(mode: str = "RGB", size: tuple[int, int] = (40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, 90).save(buffer, format="PNG")
    return buffer.getvalue()


def test_page_without_a_run_says_how_to_train(tmp_path: Path, monkeypatch) -> None:
    at = page(tmp_path, monkeypatch).run()
    assert not at.exception
    assert "refapps cifar train" in at.info[0].value


def test_page_predicts_uploaded_images(trained_run: Path, monkeypatch) -> None:
    at = page(trained_run.parent.parent, monkeypatch).run()
    assert not at.exception
    at.file_uploader(key="upload").set_value(
        [("a.png", png("RGBA"), "image/png"), ("b.png", png("L", (300, 100)), "image/png")]
    ).run()
    assert not at.exception
    assert not at.error
    assert any("0_airplane" in m.value or "1_automobile" in m.value for m in at.markdown)


def test_page_shows_an_error_for_a_non_image(trained_run: Path, monkeypatch) -> None:
    at = page(trained_run.parent.parent, monkeypatch).run()
    at.file_uploader(key="upload").set_value([("fake.png", b"<html>", "image/png")]).run()
    assert not at.exception
    assert "fake.png: not a readable image" in at.error[0].value


def test_page_predicts_test_samples(trained_run: Path, monkeypatch) -> None:
    at = page(trained_run.parent.parent, monkeypatch).run()
    at.checkbox(key="flip").check().run()
    at.button(key="sample").click().run()
    assert not at.exception
    assert len([m for m in at.markdown if "%" in m.value]) == 8
