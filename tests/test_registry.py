"""`apps/registry.py` is import-free, and the CLI root and `refapps bench` follow it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]


def test_discovery_imports_neither_torch_nor_app_code():
    code = (
        "import sys; from apps.registry import discover_apps; apps = discover_apps(); "
        "assert apps; bad = [m for m in sys.modules if m == 'torch' or m.startswith('apps.')"
        " and m != 'apps.registry']; print(bad); assert not bad, bad"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_bench_refuses_an_app_without_a_bench_in_one_line(monkeypatch):
    import apps.cli as root
    from apps.registry import AppInfo

    real = root.describe_apps

    def without_bench(apps_dir):
        apps = real(apps_dir)
        return [
            AppInfo(**{**a.__dict__, "has_bench": False}) if a.name == "titanic" else a
            for a in apps
        ]

    monkeypatch.setattr(root, "describe_apps", without_bench)
    monkeypatch.delenv("REFAPPS_DEBUG", raising=False)
    result = CliRunner().invoke(root.app, ["bench", "titanic"])
    assert result.exit_code == 2, result.output
    assert "no bench.py" in result.output
    assert "Traceback" not in result.output


def test_bench_all_skips_apps_without_a_bench(monkeypatch, tmp_path):
    import apps.bench
    import apps.cli as root
    from apps.registry import AppInfo

    real = root.describe_apps
    monkeypatch.setattr(
        root,
        "describe_apps",
        lambda d: [AppInfo(**{**a.__dict__, "has_bench": a.name == "titanic"}) for a in real(d)],
    )
    ran: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(
        apps.bench, "run_benchmarks", lambda target, names, out, quiet: ran.append((target, names))
    )
    result = CliRunner().invoke(root.app, ["bench", "all", "--out-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert ran == [("all", ["titanic"])]
    assert "Skipped (no bench.py): cifar, covid_forecast, imdb" in result.output
