"""The CLI layer: `refapps --help` stays torch-free, user mistakes exit 2 with one line."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from common.cli import handle_user_errors, with_train_options
from common.config import TrainConfig
from common.errors import CheckpointError, DataNotFoundError, UserError

HELP_WITHOUT_TORCH = """
import sys
from typer.testing import CliRunner
from apps.cli import app, discover_apps
runner = CliRunner()
for args in [["--help"]] + [[name, "--help"] for name in discover_apps()]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (args, result.output)
heavy = sorted(m for m in ("torch", "torchvision", "torchmetrics", "pandas", "sklearn",
                           "matplotlib", "streamlit") if m in sys.modules)
assert not heavy, f"refapps --help imported {heavy}"
print("ok", len(discover_apps()))
"""


@pytest.mark.slow
def test_refapps_help_does_not_import_torch(subprocess_env):
    done = subprocess.run(
        [sys.executable, "-c", HELP_WITHOUT_TORCH],
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("ok")


def _app_raising(error: BaseException) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @handle_user_errors
    def run() -> None:
        raise error

    return app


@pytest.mark.parametrize(
    "error",
    [
        UserError("Run folder not found: /nowhere"),
        DataNotFoundError("Could not download. Download http://x/y and place it at /d/y."),
        CheckpointError("/r/last.pt is corrupt or truncated; resume from another run."),
    ],
)
def test_user_errors_are_one_line_exit_2(error, monkeypatch):
    monkeypatch.delenv("REFAPPS_DEBUG", raising=False)
    result = CliRunner().invoke(_app_raising(error), [])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "\x1b[" not in result.output  # no ANSI codes when not a terminal
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [f"Error: {error}"]


def test_bugs_become_one_line_and_a_log(monkeypatch, tmp_path):
    monkeypatch.delenv("REFAPPS_DEBUG", raising=False)
    monkeypatch.setenv("REFAPPS_CACHE", str(tmp_path))
    result = CliRunner().invoke(_app_raising(RuntimeError("a bug")), [])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "Unexpected RuntimeError" in result.output
    (log,) = (tmp_path / "logs").glob("error-*.log")
    assert "RuntimeError: a bug" in log.read_text()


@pytest.mark.parametrize("error", [UserError("bad value"), RuntimeError("a bug")])
def test_debug_flag_shows_the_traceback(monkeypatch, error):
    monkeypatch.setenv("REFAPPS_DEBUG", "1")
    result = CliRunner().invoke(_app_raising(error), [])
    assert result.exception is error


def test_ctrl_c_outside_training_exits_130(monkeypatch):
    monkeypatch.delenv("REFAPPS_DEBUG", raising=False)
    result = CliRunner().invoke(_app_raising(KeyboardInterrupt()), [])
    assert result.exit_code == 130
    assert "Interrupted" in result.output
    assert "Traceback" not in result.output


DEFAULTS = dataclasses.replace(TrainConfig(), epochs=3, lr=0.01, batch_size=16)


@pytest.fixture
def train_app():
    received: list = []
    app = typer.Typer()

    @app.command()
    @handle_user_errors
    @with_train_options(DEFAULTS)
    def train(
        train_cfg: TrainConfig,
        hidden: Annotated[int, typer.Option(help="An app option.")] = 8,
    ) -> None:
        received.append((train_cfg, hidden))

    @app.command()
    def other() -> None:  # a second command, so the app is a group as in refapps
        pass

    return app, received


def test_train_options_build_a_train_config(train_app, tmp_path, monkeypatch):
    monkeypatch.delenv("REFAPPS_DEBUG", raising=False)
    app, received = train_app
    result = CliRunner().invoke(app, ["train"])
    assert result.exit_code == 0, result.output
    assert received.pop() == (DEFAULTS, 8)
    args = [
        "train",
        "--epochs",
        "5",
        "--lr",
        "0.5",
        "--loop",
        "class",
        "--no-amp",
        "--grad-clip",
        "1.0",
        "--runs-dir",
        str(tmp_path),
        "--dry-run",
        "--max-samples",
        "7",
        "--seed",
        "3",
        "--batch-size",
        "4",
        "--device",
        "cpu",
        "--patience",
        "2",
        "--grad-accum-steps",
        "2",
        "--resume",
        str(tmp_path),
        "--hidden",
        "32",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    cfg, hidden = received.pop()
    assert hidden == 32
    assert (cfg.epochs, cfg.lr, cfg.loop, cfg.amp, cfg.grad_clip) == (5, 0.5, "class", False, 1.0)
    assert (cfg.runs_dir, cfg.resume, cfg.dry_run, cfg.max_samples) == (tmp_path, tmp_path, True, 7)
    assert (cfg.seed, cfg.batch_size, cfg.device, cfg.patience) == (3, 4, "cpu", 2)
    assert cfg.grad_accum_steps == 2
    assert cfg.effective_epochs == 1


def test_train_help_shows_the_app_defaults(train_app):
    app, _ = train_app
    result = CliRunner().invoke(app, ["train", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in (
        "--epochs",
        "--batch-size",
        "--lr",
        "--loop",
        "--amp",
        "--no-amp",
        "--runs-dir",
        "--resume",
        "--dry-run",
        "--hidden",
    ):
        assert option in result.output, option
    assert "0.01" in result.output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--epochs", "0"], "--epochs"),
        (["--loop", "bogus"], "--loop"),
        (["--lr", "-1"], "--lr"),
        (["--lr=0"], "--lr"),
        (["--weight-decay", "-0.1"], "--weight-decay"),
        (["--batch-size", "0"], "--batch-size"),
        (["--max-samples", "0"], "--max-samples"),
        (["--grad-clip", "-2"], "--grad-clip"),
        (["--patience", "0"], "--patience"),
        (["--grad-accum-steps", "0"], "--grad-accum-steps"),
        (["--epochs", "many"], "--epochs"),
        (["--no-such-option"], "--no-such-option"),
    ],
)
def test_bad_train_values_exit_2_naming_the_option(train_app, monkeypatch, args, option):
    monkeypatch.delenv("REFAPPS_DEBUG", raising=False)
    app, received = train_app
    result = CliRunner().invoke(app, ["train", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert option in result.output
    assert "Traceback" not in result.output
    assert not received


# --- tables ------------------------------------------------------------------------------------


def _table_app(rows: list[dict], **options) -> typer.Typer:
    from common.console import print_rows

    app = typer.Typer()

    @app.command()
    @handle_user_errors
    def show() -> None:
        print_rows(rows, title="Predictions", **options)

    @app.command()
    def other() -> None:
        pass

    return app


def test_a_cut_table_says_how_many_rows_and_how_to_get_all():
    rows = [{"file": f"img_{i}.png", "prob": i / 1000} for i in range(1000)]
    result = CliRunner().invoke(_table_app(rows), ["show"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert "img_49.png" in result.output
    assert "img_50.png" not in result.output
    assert "First 50 of 1,000 rows; use --out FILE.csv for all." in result.output


def test_a_table_cut_by_the_caller_reports_the_real_total():
    rows = [{"day": i} for i in range(14)]
    result = CliRunner().invoke(_table_app(rows, total=120, all_hint="see forecast.csv"), ["show"])
    assert "First 14 of 120 rows; see forecast.csv." in result.output


def test_a_left_out_field_shows_as_a_dash_not_none():
    rows = [{"name": None, "age": None, "probability": 0.5}]
    result = CliRunner().invoke(_table_app(rows), ["show"])
    assert "None" not in result.output
    assert result.output.count("–") == 2
    assert "0.5000" in result.output


def test_a_whole_table_has_no_caption():
    result = CliRunner().invoke(_table_app([{"a": 1}, {"a": 2}]), ["show"])
    assert "First" not in result.output


def test_long_file_names_wrap_instead_of_being_cut():
    name = "a_very_long_folder_name/" * 6 + "the_image_that_matters.png"
    result = CliRunner().invoke(
        _table_app([{"file": name, "label": "cat"}]), ["show"], env={"COLUMNS": "60"}
    )
    assert result.exit_code == 0
    assert "…" not in result.output
    joined = "".join(line.strip(" │┃|") for line in result.output.splitlines())
    assert "the_image_that_matters.png" in joined.replace(" ", "")
    assert max(len(line) for line in result.output.splitlines()) <= 60


def test_no_ansi_codes_when_output_is_not_a_terminal():
    rows = [{"file": "x.png", "prob": 0.5}] * 60
    result = CliRunner().invoke(_table_app(rows), ["show"])
    assert "\x1b[" not in result.output


def test_a_training_stop_keeps_its_own_exit_code_and_resume_hint(monkeypatch):
    from common.errors import TrainingInterrupted

    monkeypatch.delenv("REFAPPS_DEBUG", raising=False)
    stop = TrainingInterrupted("Stopped by SIGTERM.", run_dir="runs/a/1", signal_name="SIGTERM")
    result = CliRunner().invoke(_app_raising(stop), [])
    assert result.exit_code == 143
    assert "--resume runs/a/1" in result.output
    assert TrainingInterrupted("Ctrl-C").exit_code == 130
