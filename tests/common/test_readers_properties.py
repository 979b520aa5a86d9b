"""Property tests: no content of model.json or last.pt makes a reader raise a foreign error.

Random bytes, truncated and bit-flipped real files, and random (but well-formed) dicts: each
reader either returns or raises the project's own `CheckpointError`, and a failed read or
write leaves the folder exactly as it was.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.checkpoint import (
    MODEL_META,
    build_model_checked,
    load_resume_checkpoint,
    read_model_meta,
    save_model,
    save_resume_checkpoint,
)
from common.device import capture_rng_state
from common.errors import CheckpointError
from common.files import atomic_write, read_json, write_json

# a flipped byte can change the pickle protocol number, and torch warns before refusing it
pytestmark = pytest.mark.filterwarnings("ignore:Detected pickle protocol")
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
META_KEYS = ["format_version", "versions", "app", "model", "model_args", "classes", "extra"]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def real_run(tiny, tmp_path_factory):
    """A real model.json and last.pt, the starting point of the mutations."""
    run_dir = tmp_path_factory.mktemp("run")
    model = tiny.TinyNet()
    save_model(model, run_dir, {"app": "alpha", "model": "tinynet", "model_args": {"hidden": 4}})
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.randn(2, tiny.NUM_FEATURES)).sum().backward()
    optimizer.step()
    state = {
        "format_version": 1,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": None,
        "scaler": torch.amp.GradScaler("cpu", enabled=False).state_dict(),
        "epoch": 1,
        "step": 1,
        "best_value": 0.7,
        "best_epoch": 1,
        "bad_epochs": 0,
        "stopped_early": False,
        "history": [{"epoch": 1, "val/loss": 0.7}],
        "rng": capture_rng_state(),
        "loader_rng": torch.Generator().get_state(),
    }
    save_resume_checkpoint(run_dir / "last.pt", state)
    load_resume_checkpoint(run_dir / "last.pt")  # the unmutated file is valid
    return run_dir


def _read_meta_and_build(tiny, run_dir: Path) -> None:
    meta = read_model_meta(run_dir)
    build_model_checked(lambda args: tiny.TinyNet(**args), meta, run_dir)
    for key in ("preprocessor", "classes", "model_args"):  # what an app would look up
        meta[key]


def _expect_only_checkpoint_errors(call, folder: Path) -> None:
    before = _snapshot(folder)
    with contextlib.suppress(CheckpointError):
        call()
    assert _snapshot(folder) == before, "a reader changed the folder"


@SETTINGS
@given(data=st.binary(max_size=600))
def test_model_json_of_random_bytes(tiny, tmp_path, data):
    (tmp_path / MODEL_META).write_bytes(data)
    _expect_only_checkpoint_errors(lambda: _read_meta_and_build(tiny, tmp_path), tmp_path)


@SETTINGS
@given(value=JSON_VALUES)
def test_model_json_of_any_json_value(tiny, tmp_path, value):
    (tmp_path / MODEL_META).write_text(json.dumps(value))
    _expect_only_checkpoint_errors(lambda: _read_meta_and_build(tiny, tmp_path), tmp_path)


@SETTINGS
@given(
    entries=st.dictionaries(st.sampled_from(META_KEYS), JSON_VALUES, max_size=7),
    model_args=st.dictionaries(st.sampled_from(["hidden", "dropout", "other"]), JSON_SCALARS),
)
def test_model_json_with_random_entries(tiny, tmp_path, entries, model_args):
    meta = {"model": "tinynet", "model_args": model_args, **entries}
    (tmp_path / MODEL_META).write_text(json.dumps(meta))
    _expect_only_checkpoint_errors(lambda: _read_meta_and_build(tiny, tmp_path), tmp_path)


@SETTINGS
@given(cut=st.floats(0, 1), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255))))
def test_last_pt_truncated_or_bit_flipped(real_run, tmp_path, cut, flips):
    data = bytearray((real_run / "last.pt").read_bytes())
    for where, mask in flips:
        data[int(where * (len(data) - 1))] ^= mask
    (tmp_path / "last.pt").write_bytes(bytes(data[: max(1, int(cut * len(data)))]))
    _expect_only_checkpoint_errors(lambda: load_resume_checkpoint(tmp_path / "last.pt"), tmp_path)


@SETTINGS
@given(data=st.binary(max_size=600))
def test_last_pt_of_random_bytes(tmp_path, data):
    (tmp_path / "last.pt").write_bytes(data)
    _expect_only_checkpoint_errors(lambda: load_resume_checkpoint(tmp_path / "last.pt"), tmp_path)


TENSORS = st.builds(torch.zeros, st.integers(0, 4)) | st.builds(
    lambda n: torch.zeros(n, dtype=torch.uint8), st.integers(0, 4)
)
STATE_VALUES = st.recursive(
    JSON_SCALARS | TENSORS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
STATE_KEYS = ["model", "optimizer", "scheduler", "scaler", "epoch", "step", "bad_epochs"]
STATE_KEYS += ["best_value", "best_epoch", "history", "rng", "loader_rng", "stopped_early"]


@SETTINGS
@given(entries=st.dictionaries(st.sampled_from(STATE_KEYS), STATE_VALUES))
def test_last_pt_of_random_dicts(real_run, tmp_path, entries):
    state = torch.load(real_run / "last.pt", weights_only=True)
    torch.save({**state, **entries}, tmp_path / "last.pt")
    rng_before = torch.get_rng_state()
    _expect_only_checkpoint_errors(lambda: load_resume_checkpoint(tmp_path / "last.pt"), tmp_path)
    assert torch.equal(torch.get_rng_state(), rng_before)


@SETTINGS
@given(value=JSON_VALUES, fail_after=st.integers(0, 40))
def test_a_write_that_fails_anywhere_leaves_the_old_file(tmp_path, value, fail_after):
    path = tmp_path / "x.json"
    write_json(path, {"old": True})
    text = json.dumps(value)

    def partial(tmp: Path) -> None:
        tmp.write_text(text[:fail_after])
        raise OSError("killed")

    with pytest.raises(OSError, match="killed"):
        atomic_write(path, partial)
    assert read_json(path) == {"old": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json"]
