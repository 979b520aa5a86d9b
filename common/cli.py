"""Typer building blocks every app's `cli.py` uses: shared options and the error boundary.

- `@handle_user_errors` (each command) and `run_app` (the `refapps` root): a `UserError`
  becomes one red line and exit code 2; a training stop says how to resume; anything
  unexpected becomes one line plus a log file holding the traceback (`REFAPPS_DEBUG=1`
  shows it instead).
- `@with_train_options(defaults)`: adds the shared `train` options (`--epochs --lr --loop
  --runs-dir --resume --dry-run ...`) and hands the command one validated `TrainConfig`.
- `given_options()`: the options typed on the command line of the running command;
  `refuse_ignored_resume_options(resume)`: a resume refuses every typed option it would ignore.

Torch-free: `refapps --help` must stay fast.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from common.boundary import debug_enabled, explain
from common.config import TrainConfig
from common.errors import UserError, set_active_run

RunDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--run-dir",
        help="Run folder to use (default: the newest run of this app).",
        show_default=False,
    ),
]
RunsDirOpt = Annotated[
    Path, typer.Option("--runs-dir", help="Folder that holds runs/<app>/<timestamp>.")
]
DeviceOpt = Annotated[str, typer.Option("--device", help="auto, cpu, cuda, cuda:N or mps.")]
CONTEXT_PARAM = "refapps_context"
# the context of the running command, which `handle_user_errors` receives from Typer
_COMMAND_CONTEXT: ContextVar[typer.Context | None] = ContextVar("refapps_command", default=None)
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON instead of a table.")
]


def _fail(message: str, code: int) -> typer.Exit:
    from common.console import err_console

    # bytes that were not UTF-8 arrive as lone surrogates, which no terminal can print
    try:
        message = message.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        message = message.encode("utf-8", "replace").decode("utf-8")
    err_console.print(f"[bold red]Error:[/] {message}", soft_wrap=True)
    return typer.Exit(code)


def _passes_through(err: BaseException) -> bool:
    """Click's own control flow (exit, abort, usage errors) is not ours to report."""
    # by module: Typer carries its own copy of Click (typer._click), and apps may use either
    return any(cls.__module__.split(".")[0] in ("click", "typer") for cls in type(err).__mro__)


def error_exit(err: BaseException, command_path: str | None = None) -> typer.Exit:
    """Print `err` as one line (see `common.boundary.explain`); the `typer.Exit` to raise."""
    code, message = explain(err, command_path)
    return _fail(escape(message), code)


def handle_user_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """The error boundary of one command: every error becomes one line (see `error_exit`).

    `REFAPPS_DEBUG=1` lets errors through with their traceback. Typer also hands the wrapper
    the command's context, so a stopped training run can print the command that resumes it.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = kwargs.pop(CONTEXT_PARAM, None)
        set_active_run(None)
        token = _COMMAND_CONTEXT.set(ctx)
        try:
            return command(*args, **kwargs)
        except (Exception, KeyboardInterrupt) as err:
            if debug_enabled() or _passes_through(err):
                raise
            path = ctx.command_path if ctx is not None else None
            raise error_exit(err, path) from None
        finally:
            _COMMAND_CONTEXT.reset(token)

    hints = typing.get_type_hints(command, include_extras=True)
    params = [
        p.replace(annotation=hints.get(p.name, p.annotation))
        for p in inspect.signature(command).parameters.values()
    ]
    context = inspect.Parameter(
        CONTEXT_PARAM, inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context
    )
    wrapper.__signature__ = inspect.Signature([*params, context])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in [*params, context]}
    del wrapper.__wrapped__  # Typer must read the new signature
    return wrapper


def given_options() -> set[str]:
    """The parameter names (`batch_size`) of the options typed on the running command's line.

    An option left at its default is not given; outside a command the set is empty. The
    context is the `typer.Context` Typer hands each command in `handle_user_errors` (Typer
    0.29 carries its own Click, and `typer.main.get_current_context` is not in its API).
    """
    ctx = _COMMAND_CONTEXT.get()
    if ctx is None:
        return set()
    sources = {name: ctx.get_parameter_source(name) for name in ctx.params}
    # by name: that Click copy's ParameterSource is not importable publicly
    return {n for n, source in sources.items() if getattr(source, "name", "") == "COMMANDLINE"}


def option_flags(names: set[str]) -> str:
    """`--batch-size, --lr`: the running command's own spelling of the options `names`."""
    ctx = _COMMAND_CONTEXT.get()
    params = {p.name: p for p in ctx.command.params} if ctx is not None else {}
    spelled = [getattr(params.get(name), "opts", [f"--{name.replace('_', '-')}"]) for name in names]
    return ", ".join(sorted(opts[0] for opts in spelled))


RESUME_TAKES = frozenset({"resume", "epochs"})  # what a resume reads from the command line


def refuse_ignored_resume_options(resume: Path | None) -> None:
    """Under `--resume`, refuse (`UserError`, exit 2) every typed option the resume ignores.

    A resume trains on with the run's own `config.json` (`common.runs.run_configs`): only
    `--epochs` changes it, so another option would be dropped in silence. Each app's `train`
    command calls this first.
    """
    ignored = given_options() - RESUME_TAKES if resume is not None else set()
    if ignored:
        raise UserError(
            f"--resume continues {resume} with its saved settings; drop {option_flags(ignored)} "
            "or train a new run (a resume takes only --epochs)."
        )


def run_app(app: typer.Typer) -> None:
    """Run a Typer app behind the same boundary: the CLI root (`refapps`) calls this.

    Catches what escapes every command wrapper (an app callback, a command without one).
    """
    set_active_run(None)
    try:
        app()
    except (Exception, KeyboardInterrupt) as err:
        if debug_enabled() or _passes_through(err):
            raise
        raise SystemExit(error_exit(err).exit_code) from None


# The shared `train` options besides --epochs: name -> type and help (defaults: the app's).
_OPTION = typer.Option
TRAIN_OPTIONS: dict[str, Any] = {
    "batch_size": Annotated[int, _OPTION(help="Samples per step.")],
    "lr": Annotated[float, _OPTION(help="Peak learning rate.")],
    "weight_decay": Annotated[float, _OPTION(help="Weight decay (L2) of the optimizer.")],
    "device": DeviceOpt,
    "seed": Annotated[int, _OPTION(help="Seed for Python, NumPy and torch.")],
    "loop": Annotated[str, _OPTION(help="Training-loop style: script, function or class.")],
    "amp": Annotated[
        bool | None,
        _OPTION(
            "--amp/--no-amp",
            help="Mixed precision (default: on for CUDA only).",
            show_default=False,
        ),
    ],
    "grad_clip": Annotated[float | None, _OPTION(help="Clip the gradient norm to this value.")],
    "grad_accum_steps": Annotated[int, _OPTION(help="Accumulate gradients over N batches.")],
    "patience": Annotated[int | None, _OPTION(help="Stop after N epochs without improvement.")],
    "runs_dir": RunsDirOpt,
    "resume": Annotated[
        Path | None, _OPTION(help="Continue the run in this folder.", show_default=False)
    ],
    "dry_run": Annotated[
        bool, _OPTION("--dry-run", help="Smoke test: one batch per epoch, one epoch.")
    ],
    "max_samples": Annotated[int | None, _OPTION(help="Use at most N samples of each split.")],
    "tensorboard": Annotated[bool, _OPTION("--tensorboard", help="Also log to <run>/tensorboard.")],
}


def _train_parameters(defaults: TrainConfig) -> list[inspect.Parameter]:
    """The shared `train` options, with this app's defaults shown in `--help`."""
    kw = inspect.Parameter.KEYWORD_ONLY
    about = (
        f"Passes over the data (default: {defaults.epochs}; with --resume: the run's own count)."
    )
    epochs = Annotated[int | None, typer.Option(help=about, show_default=False)]
    return [inspect.Parameter("epochs", kw, annotation=epochs, default=None)] + [
        inspect.Parameter(name, kw, annotation=annotation, default=getattr(defaults, name))
        for name, annotation in TRAIN_OPTIONS.items()
    ]


def with_train_options(defaults: TrainConfig) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate `def train(train_cfg: TrainConfig, <app options>)` to take the shared options.

    The shared options are added to the command's signature (Typer reads it), collected
    into one validated `TrainConfig`, and passed as `train_cfg`. `--epochs` left out is the
    app's default on a new run, and None under `--resume`: `common.runs.run_configs` then
    trains the resumed run to its own count.
    """
    shared = _train_parameters(defaults)
    shared_names = {p.name for p in shared}

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        # resolve the command's own string annotations in its module, not in this one
        hints = typing.get_type_hints(command, include_extras=True)
        own = [
            p.replace(annotation=hints.get(p.name, p.annotation))
            for p in inspect.signature(command).parameters.values()
            if p.name != "train_cfg"
        ]

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> Any:
            shared_values = {k: kwargs.pop(k) for k in list(kwargs) if k in shared_names}
            if shared_values["epochs"] is None and shared_values["resume"] is None:
                shared_values["epochs"] = defaults.epochs
            train_cfg = dataclasses.replace(defaults, **shared_values)
            return command(train_cfg=train_cfg, **kwargs)

        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own] + shared
        wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        del wrapper.__wrapped__  # Typer must read the new signature, not the original one
        return wrapper

    return decorate
