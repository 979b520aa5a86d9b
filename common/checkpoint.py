"""Saving and loading: safetensors weights + JSON meta, resume state, atomic writes.

A model on disk is two files: `model.safetensors` (tensors only) and `model.json` (model name,
constructor arguments, class names, preprocessing state, metrics, library versions). Loading
never runs code. A resume checkpoint (`last.pt`) is a dict of tensors and plain Python values
that loads with `torch.load(weights_only=True)`.

Every write is atomic (`common.files.atomic_write`): a crash at any moment leaves the
previous file intact. What is read back is checked (`common.schema`) before it is used.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from common.errors import CheckpointError
from common.files import atomic_write, read_json, remove_stale_temps, write_json
from common.schema import check_model_meta, check_resume_state

MODEL_WEIGHTS = "model.safetensors"
MODEL_META = "model.json"
RESUME_CHECKPOINT = "last.pt"
FORMAT_VERSION = 1


# --- model = safetensors weights + JSON meta -------------------------------------------------


def library_versions() -> dict[str, str]:
    import torchvision

    return {"torch": torch.__version__, "torchvision": torchvision.__version__}


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The plain module inside DDP / torch.compile wrappers (their state_dict keys differ)."""
    model = getattr(model, "module", model)
    return getattr(model, "_orig_mod", model)


def save_weights(model: torch.nn.Module, path: Path) -> Path:
    state = {k: v.detach().contiguous().cpu() for k, v in unwrap(model).state_dict().items()}
    return atomic_write(path, lambda tmp: save_file(state, str(tmp)))


def load_weights(model: torch.nn.Module, path: Path) -> torch.nn.Module:
    """Load safetensors weights into `model`, with one clear line for every way it can fail."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"Model weights not found: {path}")
    try:
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(
            f"{path} is not a readable safetensors file (corrupt or truncated)."
        ) from err
    try:
        unwrap(model).load_state_dict(state)
    except RuntimeError as err:
        raise CheckpointError(
            f"{path} holds weights for a different architecture than "
            f"{type(unwrap(model)).__name__} with this configuration."
        ) from err
    return model


MAX_MODEL_PARAMETERS = 100_000_000  # far above every app's model; refuses an edited model.json


def build_model_checked(
    build: Callable[[dict[str, Any]], torch.nn.Module], meta: dict[str, Any], run_dir: Path
) -> torch.nn.Module:
    """Build a model from `meta["model_args"]`, refusing descriptions that are wrong or absurd.

    The model is first built on the meta device (no memory is allocated), so a wrong type, a
    missing argument or a huge shape becomes a `CheckpointError` before anything real exists.
    """
    where = Path(run_dir) / MODEL_META
    args = meta.get("model_args")
    if not isinstance(args, dict):
        raise CheckpointError(f"{where} has no 'model_args' object; train again or restore it.")
    try:
        with torch.device("meta"):
            probe = build(args)
        num_parameters = sum(p.numel() for p in probe.parameters())
    except (TypeError, ValueError, KeyError, IndexError, RuntimeError, OverflowError) as err:
        raise CheckpointError(
            f"{where}: 'model_args' does not describe a valid model ({type(err).__name__}: "
            f"{err}); the file was edited or is damaged: train again or restore it."
        ) from None
    if num_parameters > MAX_MODEL_PARAMETERS:
        raise CheckpointError(
            f"{where} asks for a model of {num_parameters:,} parameters (the limit is "
            f"{MAX_MODEL_PARAMETERS:,}); the file was edited or is damaged: train again."
        )
    return build(args)


def load_model(
    build: Callable[[dict[str, Any]], torch.nn.Module], meta: dict[str, Any], run_dir: Path
) -> torch.nn.Module:
    """The trained model of a run: built from `meta` (checked first), then its weights loaded."""
    model = build_model_checked(build, meta, run_dir)
    return load_weights(model, Path(run_dir) / MODEL_WEIGHTS)


def save_model(model: torch.nn.Module, run_dir: Path, meta: dict[str, Any]) -> None:
    """Write `model.safetensors` and `model.json` (meta must be JSON-able)."""
    save_weights(model, Path(run_dir) / MODEL_WEIGHTS)
    write_model_meta(run_dir, meta)


def write_model_meta(run_dir: Path, meta: dict[str, Any]) -> None:
    full = {"format_version": FORMAT_VERSION, "versions": library_versions(), **meta}
    write_json(Path(run_dir) / MODEL_META, full)


def read_model_meta(
    run_dir: Path, expected_app: str | None = None, required: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Read and validate `model.json` before anything is built from it.

    Args:
        run_dir: the run folder.
        expected_app: refuse a run written by another app.
        required: app-specific entries and their types, e.g. `{"preprocessor": dict}`.

    Returns:
        The description; an entry it lacks raises `MissingKeyError` (a `CheckpointError`).

    Raises:
        CheckpointError: missing, corrupt, of another app, or failing `check_model_meta`.
    """
    where = Path(run_dir) / MODEL_META
    meta = read_json(where, "Model description (model.json)")
    meta = check_model_meta(meta, where, FORMAT_VERSION, required)
    if expected_app is not None and meta.get("app") != expected_app:
        raise CheckpointError(
            f"{run_dir} holds a {meta.get('app')!r} model, not a {expected_app!r} one; "
            f"pass a run folder of this app."
        )
    return meta


# --- resume checkpoint ---------------------------------------------------------------------


def capture_rng_state() -> dict[str, Any]:
    """Every RNG the loops touch, as tensors and plain values (weights_only-loadable)."""
    np_state = np.random.get_state(legacy=False)
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "python": _to_lists(random.getstate()),
        "numpy": {
            "bit_generator": np_state["bit_generator"],
            "key": torch.from_numpy(np_state["state"]["key"].astype(np.int64)),
            "pos": int(np_state["state"]["pos"]),
            "has_gauss": int(np_state["has_gauss"]),
            "gauss": float(np_state["gauss"]),
        },
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    np_state = state["numpy"]
    np.random.set_state(
        {
            "bit_generator": np_state["bit_generator"],
            "state": {"key": np_state["key"].numpy().astype(np.uint32), "pos": np_state["pos"]},
            "has_gauss": np_state["has_gauss"],
            "gauss": np_state["gauss"],
        }
    )
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _to_lists(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_to_lists(v) for v in value]
    return value


def save_resume_checkpoint(path: Path, state: dict[str, Any]) -> Path:
    """Atomically `torch.save` a dict of tensors and plain values (see `load_resume_checkpoint`)."""
    return atomic_write(path, lambda tmp: torch.save(state, tmp))


def load_resume_checkpoint(path: Path) -> dict[str, Any]:
    """Load a resume checkpoint without executing code.

    Raises:
        CheckpointError: missing, truncated, corrupt, or carrying a pickle payload (refused).
    """
    path = Path(path)
    if path.is_dir():
        path = path / RESUME_CHECKPOINT
    if not path.is_file():
        raise CheckpointError(f"No resume checkpoint at {path}.")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # any failure to parse an untrusted file means "unusable"
        # the weights_only loader refuses any non-tensor object with pickle's UnpicklingError;
        # matched by name so project code never imports a pickle module
        if type(err).__name__ == "UnpicklingError":
            raise CheckpointError(
                f"{path} was refused: it holds Python objects that would run code when loaded. "
                "Only checkpoints written by refapps can be resumed."
            ) from err
        raise CheckpointError(
            f"{path} is corrupt or truncated ({type(err).__name__}); resume from another run."
        ) from err
    if not isinstance(state, dict) or state.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{path} is not a refapps resume checkpoint.")
    state = check_resume_state(state, path)
    _check_rng_state(state["rng"], path)
    remove_stale_temps(path.parent)  # a save killed mid-write leaves its temp file behind
    return state


def _check_rng_state(rng: dict[str, Any], path: Path) -> None:
    """Restore the saved RNG state once (then put the current one back) to prove it loads."""
    current = capture_rng_state()
    try:
        restore_rng_state(rng)
    except (TypeError, ValueError, KeyError, IndexError, RuntimeError, AttributeError) as err:
        raise CheckpointError(
            f"{path}: the saved random-number state is damaged ({type(err).__name__}); "
            "resume from another run or start a new one."
        ) from None
    finally:
        restore_rng_state(current)
