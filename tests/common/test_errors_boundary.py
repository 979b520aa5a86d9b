"""The CLI's error boundary: one line per failure, the traceback in a log file, exit codes."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from common import boundary
from common.boundary import describe_unexpected
from common.cli import handle_user_errors, run_app
from common.errors import UserError, set_active_run

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch, tmp_path):
    monkeypatch.delenv("REFAPPS_DEBUG", raising=False)
    monkeypatch.setenv("REFAPPS_CACHE", str(tmp_path / "cache"))
    yield
    set_active_run(None)


def _app(body) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @handle_user_errors
    def run() -> None:
        body()

    @app.command()
    def other() -> None:  # a group, as in refapps
        pass

    return app


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_unexpected_error_is_one_line_naming_the_code_and_the_log(tmp_path):
    def body():
        raise ValueError("shapes do not match\nsecond line of detail")

    result = CliRunner().invoke(_app(body), ["run"], env={"COLUMNS": "400"})
    assert result.exit_code == 1
    (line,) = _lines(result.output)
    assert "Traceback" not in line
    assert "Unexpected ValueError in tests/common/test_errors_boundary.py" in line
    assert "shapes do not match second line" in line
    (log,) = (tmp_path / "cache" / "logs").glob("error-*.log")
    assert str(log) in line
    assert "Traceback" in log.read_text()
    assert "second line of detail" in log.read_text()


def test_the_log_goes_to_the_run_being_written(tmp_path):
    from common.runs import start_run

    def body():
        start_run(tmp_path / "runs", "alpha", None, train={"epochs": 1})
        raise RuntimeError("crashed mid-run")

    result = CliRunner().invoke(_app(body), ["run"], env={"COLUMNS": "400"})
    assert result.exit_code == 1
    (run_dir,) = (tmp_path / "runs" / "alpha").iterdir()
    (log,) = run_dir.glob("error-*.log")
    assert str(log) in result.output
    assert not (tmp_path / "cache" / "logs").exists()


@pytest.mark.parametrize(
    ("error", "fix"),
    [
        (IsADirectoryError(errno.EISDIR, "Is a directory", "/x/out"), "it is a folder"),
        (PermissionError(errno.EACCES, "Permission denied", "/x/p.csv"), "permission denied"),
        (OSError(errno.ENOSPC, "No space left", "/x/big.pt"), "disk is full"),
    ],
)
def test_file_system_errors_name_the_file_and_the_fix(error, fix):
    def body():
        raise error

    result = CliRunner().invoke(_app(body), ["run"], env={"COLUMNS": "400"})
    assert result.exit_code == 2
    (line,) = _lines(result.output)
    assert error.filename in line
    assert fix in line


def test_out_of_memory_suggests_a_smaller_batch():
    message = describe_unexpected(MemoryError(), None)
    assert "--batch-size" in message
    assert "\n" not in message


def test_without_a_writable_log_folder_the_line_says_how_to_see_more(monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setattr(boundary, "_log_dirs", lambda: [blocker / "logs"])

    def body():
        raise RuntimeError("boom")

    result = CliRunner().invoke(_app(body), ["run"], env={"COLUMNS": "400"})
    assert result.exit_code == 1
    assert "REFAPPS_DEBUG=1" in result.output


def test_user_errors_keep_their_message_and_markup_is_not_interpreted():
    def body():
        raise UserError("--sex must be one of [male, female] (got 'x')")

    result = CliRunner().invoke(_app(body), ["run"])
    assert result.exit_code == 2
    assert _lines(result.output) == ["Error: --sex must be one of [male, female] (got 'x')"]


def test_typer_exit_and_usage_errors_pass_through():
    def body():
        raise typer.Exit(3)

    assert CliRunner().invoke(_app(body), ["run"]).exit_code == 3
    result = CliRunner().invoke(_app(lambda: None), ["run", "--bogus"])
    assert result.exit_code == 2
    assert "--bogus" in result.output


def test_the_root_boundary_catches_what_escapes_a_command(capsys, tmp_path):
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        raise KeyError("in a callback, outside every command wrapper")

    @app.command()
    def run() -> None:
        pass

    sys.argv = ["refapps", "run"]
    with pytest.raises(SystemExit) as info:
        run_app(app)
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "Unexpected KeyError" in err
    assert "Traceback" not in err
    assert list((tmp_path / "cache" / "logs").glob("error-*.log"))


# --- a real `python -m apps.cli` process -------------------------------------------------------

# a bug planted in a torch-free command, then `apps.cli` run exactly as `python -m` runs it
INJECT_BUG = """
import runpy
import apps.scaffold
def broken(*args, **kwargs):
    return 1 / 0
apps.scaffold.copy_app = broken
runpy.run_module("apps.cli", run_name="__main__")
"""


def _refapps(args, env, code=None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "apps.cli", *args]
    if code is not None:
        command = [sys.executable, "-c", code, *args]
    return subprocess.run(
        command, env=env, cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow
def test_subprocess_runs_dir_that_is_a_file_exits_2_in_one_line(subprocess_env, tmp_path):
    not_a_folder = tmp_path / "runs.txt"
    not_a_folder.write_text("")
    done = _refapps(["titanic", "evaluate", "--runs-dir", str(not_a_folder)], subprocess_env)
    assert done.returncode == 2, done.stderr
    (line,) = _lines(done.stderr)
    assert str(not_a_folder) in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr + done.stdout
    assert line.startswith("Error:")


def test_subprocess_bug_is_one_line_with_a_log_and_debug_shows_it(subprocess_env, tmp_path):
    env = {**subprocess_env, "REFAPPS_CACHE": str(tmp_path), "COLUMNS": "400"}
    done = _refapps(["new", "myapp"], env, code=INJECT_BUG)
    assert done.returncode == 1
    (line,) = _lines(done.stderr)
    assert "Unexpected ZeroDivisionError" in line
    assert "Traceback" not in done.stderr
    (log,) = (tmp_path / "logs").glob("error-*.log")
    assert str(log) in line
    assert "ZeroDivisionError" in log.read_text()
    debug = _refapps(["new", "myapp"], {**env, "REFAPPS_DEBUG": "1"}, code=INJECT_BUG)
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr
    assert "ZeroDivisionError" in debug.stderr


def test_text_that_is_not_utf8_is_one_line_with_the_fix():
    def body():
        "Dupr\udce9, Mr. Jean".encode()  # what a latin-1 terminal hands Python

    result = CliRunner().invoke(_app(body), ["run"], env={"COLUMNS": "400"})
    assert result.exit_code == 2
    (line,) = _lines(result.output)
    assert "not valid UTF-8" in line


@pytest.mark.parametrize("text", ["Dupr\udce9", "lone \ud800 surrogate"])
def test_a_message_quoting_undecodable_input_still_prints(text):
    def body():
        raise UserError(f"--name {text!s} is not a passenger name")

    result = CliRunner().invoke(_app(body), ["run"])
    assert result.exit_code == 2
    (line,) = _lines(result.output)
    assert line.startswith("Error: --name ")
    assert line.endswith("is not a passenger name")
    assert "\\ud" not in line  # a replacement character, not a Python escape


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["titanic", "evaluate", "--runs-dir", "{file}"], "--runs-dir {file} is a file"),
        (["titanic", "train", "--resume", "runs/titanic/typo"], "--resume runs/titanic/typo:"),
    ],
)
def test_the_real_cli_names_what_the_user_typed(tmp_path, monkeypatch, args, named):
    from apps.cli import app

    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs.txt").write_text("")
    args = [a.format(file=tmp_path / "runs.txt") for a in args]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    (line,) = _lines(result.output)
    assert named.format(file=tmp_path / "runs.txt") in line
    assert "config.json" not in line
