"""Front-end: the Streamlit page for the image classifier.

    streamlit run apps/cifar/demo.py     # or: refapps demo

Upload images (any size and mode; PNG, JPEG, WebP, BMP, GIF or TIFF) or show random test
images with one click, and read a verdict with one bar per class on a fixed 0-100 % axis;
test images are marked right or wrong. Results live in `st.session_state`, so they stay
when flip averaging is toggled. Uses the newest run (`$REFAPPS_RUNS_DIR`, default `runs`).
The whole page runs inside `page_errors`, so alone or in the hub a failure is one error box.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st
import torch

from apps.cifar.config import APP
from apps.cifar.dispatch import run_builder, run_data_config, splits_loader
from apps.cifar.images import IMAGE_TYPES, open_rgb
from apps.cifar.predict import Prediction, Predictor, load_predictor
from common.errors import UserError
from common.lookup import read_metrics
from common.pages import (
    MAX_UPLOAD_MB,
    find_run_or_stop,
    page_errors,
    show_label,
    show_run_summary,
    upload_too_large,
)
from common.runs import read_config

TOP_K = 5  # bars shown per image (all classes of CIFAR-2 and CIFAR-10's top five)
NUM_SAMPLES = 6
PREVIEW_PIXELS = 160
MODEL_TEXT = {"cnn": "small CNN (four conv blocks)", "tutorial": "the tutorial's CNN"}
DATASET_TEXT = {"cifar2": "CIFAR-2", "cifar10": "CIFAR-10"}
# Streamlit's own icon font: emoji need a font that not every browser has
RIGHT = ":green[:material/check_circle: **Right**]"
WRONG = ":red[:material/cancel: **Wrong**]"


@st.cache_resource(show_spinner="Loading the model...")
def cached_predictor(run_dir: str) -> Predictor:
    return load_predictor(Path(run_dir), build=run_builder(Path(run_dir)))


@st.cache_resource(show_spinner="Loading test images...")
def cached_test_set(run_dir: str) -> Any:
    """The run's test split: in memory, or (a large `--data-dir` set) files on disk."""
    data_cfg = run_data_config(Path(run_dir))
    seed = read_config(Path(run_dir))["train"]["seed"]
    return splits_loader(data_cfg)(data_cfg, seed)[2]


def describe_run(run_dir: Path, predictor: Predictor) -> str:
    """What this run used, read from its config.json and metrics.json."""
    try:
        saved = read_config(run_dir)
        data, model, train = saved["data"], saved["model"], saved["train"]
        num_train = read_metrics(run_dir).get("train/num_samples")
        epochs = 1 if train.get("dry_run") else int(train["epochs"])
        source = f"`{data['data_dir']}`" if data.get("data_dir") else DATASET_TEXT[data["dataset"]]
        model_text = MODEL_TEXT.get(model["name"], model["name"])
    except (UserError, KeyError, TypeError, ValueError):
        return f"A CNN for {predictor.image_size}x{predictor.image_size} images."
    count = f"{num_train:,} " if isinstance(num_train, int) else ""
    size = predictor.image_size
    return (
        f"A {model_text} trained for {epochs} epoch{'s' * (epochs != 1)} on {count}images "
        f"from {source}, resized to {size}x{size} pixels. It knows {len(predictor.labels)} "
        f"classes: {', '.join(predictor.labels)}."
    )


def top_k(probs: dict[str, float], k: int = TOP_K) -> dict[str, float]:
    return dict(sorted(probs.items(), key=lambda item: -item[1])[:k])


def show_result(prediction: Prediction, image: Any, mark: str | None = None) -> None:
    """The image beside its verdict and bars (or the error), with an optional right/wrong mark."""
    if prediction.error:
        st.error(prediction.error)
        return
    left, right = st.columns([1, 3])
    left.image(image, caption=prediction.name, width=128)
    with right:
        if mark:
            st.markdown(mark)
        show_label(top_k(prediction.probs))


def classify_upload(uploaded: Any, predictor: Predictor, flip: bool) -> tuple[Any, Prediction]:
    """(preview, prediction) of one upload; the prediction takes the same path as the CLI."""
    data = uploaded.getvalue()
    (prediction,) = predictor.predict([(uploaded.name, data)], flip=flip)
    if prediction.error:
        return None, prediction
    try:
        preview = open_rgb(data, uploaded.name, draft_size=PREVIEW_PIXELS)
    except UserError as err:  # readable for the model but not for a preview: say so
        return None, Prediction(uploaded.name, error=str(err))
    preview.thumbnail((PREVIEW_PIXELS, PREVIEW_PIXELS))
    return np.asarray(preview), prediction


def show_uploads(uploads: list[Any], run_dir: Path, predictor: Predictor, flip: bool) -> None:
    """Each upload's result, kept in session state per (run, file, flip) for later reruns."""
    done: dict[str, tuple[Any, Prediction]] = st.session_state.get("upload_results", {})
    kept = {}
    for uploaded in uploads:
        if upload_too_large(uploaded):
            continue
        key = f"{run_dir}:{uploaded.file_id}:{flip}"
        kept[key] = done.get(key) or classify_upload(uploaded, predictor, flip)
        show_result(kept[key][1], kept[key][0])
    st.session_state["upload_results"] = kept


def pick_samples(run_dir: Path, predictor_classes: list[str]) -> None:
    """Remember random test-image indices for this run (shown until the next click)."""
    try:
        test_set = cached_test_set(str(run_dir))
    except UserError as err:
        st.session_state["samples"] = (str(run_dir), [], str(err))
        return
    if test_set.classes != predictor_classes:
        message = f"its classes {test_set.classes} differ from the model's {predictor_classes}"
        st.session_state["samples"] = (str(run_dir), [], message)
        return
    indices = random.sample(range(len(test_set)), min(NUM_SAMPLES, len(test_set)))
    st.session_state["samples"] = (str(run_dir), indices, None)


def show_samples(run_dir: Path, predictor: Predictor, flip: bool) -> None:
    """The remembered test images, each with its verdict and a right/wrong mark."""
    saved_run, indices, error = st.session_state.get("samples", ("", [], None))
    if saved_run != str(run_dir):
        return
    if error:
        st.error(f"The run's test images are not available here: {error}")
        return
    test_set = cached_test_set(str(run_dir))
    images = [sample_image(test_set, i) for i in indices]
    probs = predictor.predict_tensor(torch.stack(images), flip=flip) if images else []
    truths = [predictor.labels[int(test_set.y[i])] for i in indices]
    predictions = [
        predictor.to_prediction(f"test image #{i}", p.tolist())
        for i, p in zip(indices, probs, strict=True)
    ]
    num_right = sum(p.label == t for p, t in zip(predictions, truths, strict=True))
    st.write(f"**{num_right} of {len(indices)} right.**")
    for image, prediction, truth in zip(images, predictions, truths, strict=True):
        right = prediction.label == truth
        mark = RIGHT if right else WRONG
        show_result(prediction, image.permute(1, 2, 0).numpy(), f"{mark}: it is {truth}.")


def sample_image(test_set: Any, index: int) -> torch.Tensor:
    """One (3, S, S) uint8 test image, from memory or (large sets) decoded from its file."""
    return test_set.subset(torch.tensor([index])).x[0]


def main() -> None:
    st.title("CIFAR: what is in the picture?")
    run_dir = find_run_or_stop(APP)
    try:
        predictor = cached_predictor(str(run_dir))
    except UserError as err:
        st.error(
            f"The newest run {run_dir} cannot be loaded: {err}\n\n"
            "Train again: `refapps cifar train`"
        )
        st.stop()
    st.write(describe_run(run_dir, predictor))
    flip = st.checkbox("Average with the mirror image (flip test-time augmentation)", key="flip")

    uploads = st.file_uploader(
        f"Images to classify: {IMAGE_TYPES}, at most {MAX_UPLOAD_MB} MB each",
        accept_multiple_files=True,
        key="upload",
        max_upload_size=MAX_UPLOAD_MB,
        help="Any size: images are resized to the model's input. Transparent parts count as "
        "white; 16-bit images are scaled to 8 bits.",
    )
    show_uploads(list(uploads or []), run_dir, predictor, flip)

    st.subheader("Test images")
    st.caption("Images the model never trained on, with the true class to compare.")
    if st.button("Show random test images", key="sample"):
        pick_samples(run_dir, predictor.classes)
    show_samples(run_dir, predictor, flip)

    st.subheader("The model")
    show_run_summary(run_dir, ("test/accuracy", "test/auroc", "test/f1", "test/f1_macro"))
    st.caption(f"Run: {run_dir}")


with page_errors("CIFAR: what is in the picture?"):
    main()
