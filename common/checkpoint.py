"""Saving and loading: safetensors weights + JSON meta, resume state, atomic writes.

A model on disk is two files: `model.safetensors` (tensors only) and `model.json` (model name,
constructor arguments, class names, preprocessing state, metrics, library versions). Loading
never runs code. A resume checkpoint (`last.pt`) is a dict of tensors and plain Python values
that loads with `torch.load(weights_only=True)`.

Every write is atomic (`common.files.atomic_write`): a crash at any moment leaves the
previous file intact. What is read back is checked (`common.schema`) before it is used.
"""

from __future__ import annotations

import pickletools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save

from common.device import capture_rng_state, restore_rng_state
from common.errors import CheckpointError
from common.files import atomic_write, read_json, remove_stale_temps, write_json
from common.schema import check_model_meta, check_resume_state

MODEL_WEIGHTS = "model.safetensors"
MODEL_META = "model.json"
RESUME_CHECKPOINT = "last.pt"
FORMAT_VERSION = 1
# pickle opcodes that look up or call a Python object (what a weights_only load refuses)
_OBJECT_OPCODES = {"GLOBAL", "STACK_GLOBAL", "INST", "OBJ", "REDUCE", "NEWOBJ", "NEWOBJ_EX"}


# --- model = safetensors weights + JSON meta -------------------------------------------------


def library_versions() -> dict[str, str]:
    import torchvision

    return {"torch": torch.__version__, "torchvision": torchvision.__version__}


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The plain module inside DDP / torch.compile wrappers (their state_dict keys differ)."""
    model = getattr(model, "module", model)
    return getattr(model, "_orig_mod", model)


def save_weights(model: torch.nn.Module, path: Path) -> Path:
    """Write the model's weights as safetensors (atomically, following the umask)."""
    state = {k: v.detach().contiguous().cpu() for k, v in unwrap(model).state_dict().items()}
    # bytes into our temp file: safetensors' save_file makes a new file of mode 0600
    return atomic_write(path, lambda tmp: tmp.write_bytes(save(state)))


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
        # the weights_only loader refuses objects with pickle's UnpicklingError (matched by
        # name: project code imports no pickle module), but most garbage gets it too
        if type(err).__name__ == "UnpicklingError" and _names_python_objects(path, err):
            raise CheckpointError(
                f"{path} was refused: it holds Python objects that would run code when loaded. "
                "Only checkpoints written by refapps can be resumed."
            ) from err
        raise CheckpointError(
            f"{path} is damaged or not a refapps resume checkpoint ({type(err).__name__}); "
            "resume from another run or start a new one."
        ) from err
    if not isinstance(state, dict) or state.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{path} is not a refapps resume checkpoint.")
    state = check_resume_state(state, path)
    _check_rng_state(state["rng"], path)
    remove_stale_temps(path.parent)  # a save killed mid-write leaves its temp file behind
    return state


def _names_python_objects(path: Path, err: Exception) -> bool:
    """True when `path`, refused by the weights_only loader with `err`, builds Python objects.

    In `torch.save`'s zip the loader names the global it refused; a bare pickle stream is read
    with `pickletools`, which lists the opcodes without running any (garbage fails to parse).
    """
    try:
        data = path.read_bytes()
        if data.startswith(b"PK\x03\x04"):
            return "Unsupported global" in str(err)
        return any(op.name in _OBJECT_OPCODES for op, _, _ in pickletools.genops(data))
    except Exception:  # not a complete pickle stream: damaged, or some other file
        return False


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
