"""`refapps bench`: run the apps' benchmarks and write `bench/results.json` + `bench/RESULTS.md`.

    refapps bench titanic        # one app
    refapps bench all            # every app, then the loop-overhead benchmark

Each app's `bench.py` returns one row per configuration (model or baseline). Results of
apps not run this time are kept from the previous file, so the report always covers every
app and says when and where each row was measured.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import platform
from pathlib import Path
from typing import Any

from common.console import console
from common.files import atomic_write, write_json

COLUMNS = (
    "app",
    "model",
    "kind",
    "metric",
    "value",
    "tutorial",
    "train_seconds",
    "samples_per_second",
)
NOT_EXTRA = {*COLUMNS, "device", "torch", "measured"}


def machine_description() -> dict[str, Any]:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "gpu": gpu,
        "torch": torch.__version__,
        "python": platform.python_version(),
    }


def run_one(target: str, quick: bool = False) -> list[dict[str, Any]]:
    if target == "overhead":
        from common.bench import measure_overhead

        return measure_overhead()
    module = importlib.import_module(f"apps.{target}.bench")
    return module.run_bench(quick=quick)


def run_benchmarks(
    target: str, app_names: list[str], out_dir: Path, quiet: bool = False
) -> list[dict[str, Any]]:
    """Run `target` ("all", "overhead" or an app), merge with saved results, write the report."""
    targets = [*app_names, "overhead"] if target == "all" else [target]
    results_path = Path(out_dir) / "results.json"
    saved = json.loads(results_path.read_text()) if results_path.is_file() else {"apps": {}}
    machine = machine_description()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows: list[dict[str, Any]] = []
    for name in targets:
        if not quiet:
            console.print(f"[bold]bench {name}[/] ...")
        app_rows = run_one(name)
        for row in app_rows:
            row.setdefault("measured", stamp)
        saved["apps"][name] = {"machine": machine, "measured": stamp, "rows": app_rows}
        rows += app_rows
    write_json(results_path, saved)
    report = render_markdown(saved)
    atomic_write(Path(out_dir) / "RESULTS.md", lambda tmp: tmp.write_text(report, encoding="utf-8"))
    if not quiet:
        console.print(report, soft_wrap=True, markup=False, highlight=False)
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return (
            f"{value:,.0f}"
            if abs(value) >= 1000
            else f"{value:.3f}"
            if abs(value) < 100
            else f"{value:.1f}"
        )
    return str(value)


def render_markdown(saved: dict[str, Any]) -> str:
    """One table per app, with the machine and date it was measured on."""
    lines = [
        "# Benchmark results",
        "",
        "Written by `refapps bench`; every figure below was measured.",
        "",
    ]
    for app, entry in sorted(saved["apps"].items()):
        m = entry["machine"]
        where = f"{m['cores']} CPU cores ({m['cpu']})" + (
            f", GPU {m['gpu']}" if m.get("gpu") else ", no GPU"
        )
        lines += [
            f"## {app}",
            "",
            f"Measured {entry['measured']} on {where}, torch {m['torch']}.",
            "",
        ]
        lines.append("| " + " | ".join(COLUMNS[1:]) + " | more |")
        lines.append("|" + "---|" * len(COLUMNS))
        for row in entry["rows"]:
            extra = ", ".join(f"{k} {_cell(v)}" for k, v in row.items() if k not in NOT_EXTRA)
            lines.append(
                "| " + " | ".join(_cell(row.get(c)) for c in COLUMNS[1:]) + f" | {extra} |"
            )
        lines.append("")
    return "\n".join(lines)
