"""Step 7, try it: a Streamlit page for the image classifier.

    streamlit run apps/cifar/demo.py     # or: refapps demo

Upload one or more images (any size; PNG, JPEG, WebP; RGBA and grayscale are converted) or
pick test images, and see the top classes with their probabilities. Uses the newest run
(`$REFAPPS_RUNS_DIR`, default `runs`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
import torch

from apps.cifar.config import APP, DataConfig
from apps.cifar.data import ImageSet, decode_image, load_splits
from apps.cifar.predict import Prediction, Predictor, load_predictor
from common.errors import UserError
from common.pages import find_run_or_stop, show_run_summary, upload_too_large
from common.runs import read_config, restore_config

TOP_K = 5
NUM_SAMPLES = 8


@st.cache_resource(show_spinner="Loading the model...")
def cached_predictor(run_dir: str) -> Predictor:
    return load_predictor(Path(run_dir))


@st.cache_resource(show_spinner="Loading test images...")
def cached_test_set(run_dir: str) -> ImageSet:
    saved = read_config(Path(run_dir))
    return load_splits(restore_config(DataConfig, saved["data"]), saved["train"]["seed"])[2]


def show(prediction: Prediction, image: object) -> None:
    """The image, its top class, and the top-k probabilities as bars."""
    if prediction.error:
        st.error(prediction.error)
        return
    left, right = st.columns([1, 3])
    left.image(image, caption=prediction.name, width=96)
    top = sorted(prediction.probs.items(), key=lambda kv: -kv[1])[:TOP_K]
    right.write(f"**{prediction.label}** ({top[0][1]:.1%})")
    right.bar_chart(pd.DataFrame({"probability": dict(top)}), horizontal=True, height=40 * len(top))


st.title("CIFAR: what is in the picture?")
st.write(
    "A small CNN trained on 32x32 photos. Upload images of the classes it knows, or pick "
    "images from the test set."
)
run_dir = find_run_or_stop(APP)
predictor = cached_predictor(str(run_dir))
st.caption(f"Classes: {', '.join(predictor.classes)}")
flip = st.checkbox("Average with the mirror image (flip test-time augmentation)", key="flip")

uploads = st.file_uploader(
    "Images", type=["png", "jpg", "jpeg", "webp"], accept_multiple_files=True, key="upload"
)
for uploaded in uploads or []:
    if upload_too_large(uploaded):
        continue
    data = uploaded.getvalue()
    (result,) = predictor.predict([(uploaded.name, data)], flip=flip)
    show(result, data)

st.subheader("Test images")
if st.button("Pick random test images", key="sample"):
    try:
        test_set = cached_test_set(str(run_dir))
    except UserError as err:
        st.error(f"The run's test data is not available here: {err}")
    else:
        for i in torch.randperm(len(test_set))[:NUM_SAMPLES].tolist():
            image = test_set.x[i] if test_set.x is not None else None
            if image is None:  # a set too large for memory: decode this one file
                image = decode_image((test_set.paths or [])[i], predictor.image_size)
            probs = predictor.predict_tensor(image[None], flip=flip)[0].tolist()
            name = f"test #{i}, true: {test_set.classes[int(test_set.y[i])]}"
            show(predictor.to_prediction(name, probs), image.permute(1, 2, 0).numpy())

st.subheader("The model")
show_run_summary(run_dir, ("test/accuracy", "test/auroc", "test/f1", "test/f1_macro"))
st.caption(f"Run: {run_dir}")
