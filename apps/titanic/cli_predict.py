"""Front-end: the command line's `predict` options, checked, and what it prints or writes.

    refapps titanic predict --csv passengers.csv --out predictions.csv

Checked before any model is loaded, so a bad option costs nothing and writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from common.errors import UserError

SHOWN_COLUMNS = ("PassengerId", "Name", "Pclass", "Sex", "Age", "survival_probability", "predicted")


def check_predict_options(
    has_csv: bool,
    has_passenger: bool,
    texts: dict[str, str | None],
    outputs: dict[str, Path | None],
) -> None:
    """`predict`'s options, checked before any model is loaded."""
    from common.files import check_output_file

    if not has_csv and not has_passenger:
        raise UserError(
            "Give --csv FILE, or describe a passenger with at least --pclass and --sex."
        )
    for option, value in texts.items():
        check_text(option, value)
    for option, path in outputs.items():
        check_output_file(option, path)
    if outputs.get("--kaggle") is not None and not has_csv:
        raise UserError("--kaggle needs --csv (Kaggle's test.csv, with PassengerId).")


def check_text(option: str, value: str | None) -> None:
    """Refuse text that is not valid UTF-8 (a latin-1 terminal) with the fix, not a traceback."""
    try:
        (value or "").encode("utf-8")
    except UnicodeEncodeError as err:
        bad = err.object[err.start : err.end].encode("utf-8", "surrogateescape")
        raise UserError(
            f"{option} is not valid UTF-8 text ({bad!r}); set "
            "your terminal to UTF-8 (e.g. LANG=C.UTF-8) or type the name without accents."
        ) from None


def show_predictions(table: Any, as_json: bool, out: Path | None = None) -> None:
    """Write --out (atomically), or print JSON, or print the table."""
    from common.console import console, print_rows
    from common.files import atomic_write

    if out is not None:
        atomic_write(out, lambda tmp: table.to_csv(tmp, index=False))
        console.print(f"Wrote {len(table)} predictions to {out}")
    elif as_json:
        typer.echo(table.to_json(orient="records"))
    else:
        shown = [c for c in SHOWN_COLUMNS if c in table.columns]
        print_rows(table[shown].to_dict("records"), title="Predictions")  # says if rows are cut
