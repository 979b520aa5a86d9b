"""Safe files: folders given as files (and back), the umask, stale temps, resume paths, git sha."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from common.errors import UserError
from common.files import atomic_write, ensure_folder, remove_stale_temps, write_json
from common.lookup import latest_run
from common.runs import git_sha, new_run_dir, run_configs, start_run

REPO = Path(__file__).resolve().parents[2]


def test_writing_to_a_folder_names_the_path(tmp_path):
    out = tmp_path / "some_dir"
    out.mkdir()
    with pytest.raises(UserError, match="is a folder") as info:
        write_json(out, {"a": 1})
    assert str(out) in str(info.value)
    assert list(out.iterdir()) == []


def test_writing_under_a_file_names_the_file(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(UserError, match="is a file, not a folder") as info:
        write_json(blocker / "sub" / "out.json", {})
    assert str(blocker) in str(info.value)


def test_runs_dir_that_is_a_file_is_a_user_error(tmp_path):
    runs_file = tmp_path / "runs"
    runs_file.write_text("")
    with pytest.raises(UserError, match="--runs-dir") as info:
        new_run_dir(runs_file, "alpha")
    assert str(runs_file) in str(info.value)
    with pytest.raises(UserError, match="--runs-dir"):
        latest_run(runs_file, "alpha")
    with pytest.raises(UserError, match="is a file"):
        ensure_folder(runs_file)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_follow_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        path = write_json(tmp_path / "x.json", {"a": 1})
        atomic_write(tmp_path / "y.bin", lambda tmp: tmp.write_bytes(b"\0"))
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == mode
    assert (tmp_path / "y.bin").stat().st_mode & 0o777 == mode


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_every_file_of_a_run_follows_the_umask(tiny, tmp_path, umask, mode):
    """model.safetensors too: safetensors' own writer made it 0600 whatever the umask."""
    from common.runs import finish_run

    old = os.umask(umask)
    try:
        run_dir, _ = start_run(tmp_path, "alpha", None, train={"epochs": 1})
        _, history = tiny.run("script", run_dir=run_dir, epochs=1)
        finish_run(run_dir, history, {"test/loss": 0.5})
    finally:
        os.umask(old)
    files = sorted(p for p in run_dir.parent.rglob("*") if p.is_file())
    assert {"model.safetensors", "last.pt", "config.json", "LATEST"} <= {p.name for p in files}
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in files} == {
        p.name: oct(mode) for p in files
    }


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid  # reaped, so no process has this id (barring a fast reuse)


def test_stale_temp_of_a_killed_write_is_removed_by_the_next_write(tmp_path):
    stale = tmp_path / f".x.json.{_dead_pid()}-0badc0de.tmp"
    stale.write_text('{"half": ')
    live = tmp_path / f".x.json.{os.getpid()}-00000001.tmp"  # a write still in progress
    live.write_text("")
    other = tmp_path / f".y.json.{_dead_pid()}-0badc0de.tmp"  # another file's temp
    other.write_text("")
    write_json(tmp_path / "x.json", {"a": 1})
    assert not stale.exists()
    assert live.exists()
    assert other.exists()


def test_old_temp_without_a_pid_is_stale_only_when_old(tmp_path):
    old = tmp_path / ".last.pt.abc123_x.tmp"  # the name mkstemp used to give
    old.write_text("")
    os.utime(old, (1, 1))
    fresh = tmp_path / ".metrics.json.abc123_x.tmp"
    fresh.write_text("")
    assert remove_stale_temps(tmp_path) == [old]
    assert fresh.exists()


def test_resume_removes_the_stale_temps_of_the_run(tmp_path, last_pt_bytes):
    run_dir, _ = start_run(tmp_path, "alpha", None, train={"epochs": 1})
    (run_dir / "last.pt").write_bytes(last_pt_bytes)
    stale = run_dir / f".last.pt.{_dead_pid()}-0badc0de.tmp"
    stale.write_bytes(b"half a checkpoint")
    resumed, checkpoint = start_run(tmp_path, "alpha", run_dir)
    assert (resumed, checkpoint) == (run_dir, run_dir / "last.pt")
    assert not stale.exists()


@pytest.mark.parametrize("typed", ["runs/alpha/20990101-000000", "nowhere"])
def test_missing_resume_folder_names_what_the_user_typed(tmp_path, monkeypatch, typed):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "alpha").mkdir(parents=True)
    with pytest.raises(UserError, match="no such folder") as info:
        start_run(Path("runs"), "alpha", Path(typed))
    assert f"--resume {typed}:" in str(info.value)
    assert "config.json" not in str(info.value)

    class Cfg:
        resume = Path(typed)
        epochs = 1

    with pytest.raises(UserError, match=f"--resume {typed}: no such folder"):
        run_configs(object(), object(), Cfg)


def test_git_sha_is_the_projects_own_not_the_current_folders(tmp_path, monkeypatch):
    if subprocess.run(["git", "-C", str(REPO), "rev-parse"], check=False).returncode != 0:
        pytest.skip("the project is not a git checkout here")
    other = tmp_path / "other"
    other.mkdir()
    git = ["git", "-C", str(other), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "other"], check=True)
    monkeypatch.chdir(other)
    expected = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert git_sha() == expected
    assert git_sha(other) not in (None, expected)  # the other repository has its own
