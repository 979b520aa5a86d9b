"""Front-end: the command line's `predict` options, each one used or refused, and its output.

    refapps titanic predict --csv test.csv --kaggle submission.csv --out probabilities.csv

Checked before any model is loaded, so a bad option costs nothing and writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from common.errors import UserError

SHOWN_COLUMNS = ("PassengerId", "Name", "Pclass", "Sex", "Age", "survival_probability", "predicted")


def check_predict_options(
    csv: Path | None, described: dict[str, Any], outputs: dict[str, Path | None]
) -> None:
    """`predict`'s options, checked before any model is loaded: each one used, or refused."""
    from common.files import check_output_file

    given = [option for option, value in described.items() if value is not None]
    if csv is not None and given:
        raise UserError(f"Give --csv FILE or describe one passenger, not both ({given[0]}).")
    if csv is None and (described["--pclass"] is None or described["--sex"] is None):
        raise UserError(
            "Give --csv FILE, or describe a passenger with at least --pclass and --sex."
        )
    for option in ("--sex", "--embarked", "--name", "--cabin"):
        check_text(option, described[option])
    for option, path in outputs.items():
        check_output_file(option, path)
    if outputs["--kaggle"] is not None and csv is None:
        raise UserError("--kaggle needs --csv (Kaggle's test.csv, with PassengerId).")
    if outputs["--kaggle"] is not None and outputs["--kaggle"] == outputs["--out"]:
        raise UserError("--kaggle and --out name the same file; give two different files.")


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


def show_predictions(
    table: Any,
    as_json: bool,
    out: Path | None = None,
    kaggle: Path | None = None,
    submission: Any = None,
) -> None:
    """Write --kaggle and --out (atomically), then print JSON, what was written, or the table."""
    from common.console import console, print_rows
    from common.files import atomic_write

    if kaggle is not None:
        atomic_write(kaggle, lambda tmp: submission.to_csv(tmp, index=False))
    if out is not None:
        atomic_write(out, lambda tmp: table.to_csv(tmp, index=False))
    if as_json:
        typer.echo(table.to_json(orient="records"))
        return
    if kaggle is not None:
        console.print(f"Wrote a Kaggle submission of {len(submission)} passengers to {kaggle}")
    if out is not None:
        console.print(f"Wrote {len(table)} predictions to {out}")
    if kaggle is None and out is None:
        shown = [c for c in SHOWN_COLUMNS if c in table.columns]
        print_rows(table[shown].to_dict("records"), title="Predictions")  # says if rows are cut
