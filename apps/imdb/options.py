"""One `--option` per field of `DataConfig` and `ModelConfig`, declared once, for `imdb train`.

    refapps imdb train --help     # every field below, with its default and help text

The help texts live here; names, types and defaults come from the dataclasses themselves,
so a new config field needs one line in `HELP` and nothing else in the CLI.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from typing import Annotated, Any

import typer

HELP = {
    "train_file": "CSV/TSV of (label, text) (default: aclImdb/train).",
    "test_file": "CSV/TSV of (label, text) (default: aclImdb/test).",
    "val_fraction": "Hold out this share of train to pick the best epoch and the threshold.",
    "threshold_fraction": "Without --val-fraction: hold out this share of train to choose the "
    "decision threshold, then refit on all of train (0: threshold 0.5).",
    "vocab_size": "Tokenizer vocabulary size.",
    "min_frequency": "Rarer training words become [UNK].",
    "max_tokens": "Truncate reviews to this many tokens.",
    "snippets_per_review": "Also train on N random 1-3 sentence snippets of each review.",
    "name": "Model: ngram_nb, bilstm or tutorial_cnn.",
    "embed_dim": "Embedding size (bilstm, tutorial_cnn).",
    "hidden": "LSTM size per direction (bilstm).",
    "num_buckets": "Hashed n-gram slots (ngram_nb).",
    "min_ngram_reviews": "ngram_nb ignores n-grams seen in fewer training reviews.",
    "cnn_tokens": "tutorial_cnn reads the last N tokens of a review.",
    "dropout": "Dropout (of n-grams for ngram_nb).",
    "lexicon_stack": "Combine the model's logit with the VADER lexicon's score, weights "
    "fitted on held-out train reviews and sentences.",
}
OPTION_NAMES = {"name": "--model"}  # ModelConfig.name reads better as --model


def config_parameters(cls: type, prefix: str) -> list[inspect.Parameter]:
    """Keyword parameters `<prefix>__<field>` with the field's type, default and help."""
    hints = typing.get_type_hints(cls)
    defaults = cls()
    params = []
    for field in dataclasses.fields(cls):
        flag = OPTION_NAMES.get(field.name, "--" + field.name.replace("_", "-"))
        annotation = Annotated[hints[field.name], typer.Option(flag, help=HELP[field.name])]
        params.append(
            inspect.Parameter(
                f"{prefix}__{field.name}",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=annotation,
                default=getattr(defaults, field.name),
            )
        )
    return params


def with_config_options(
    **configs: type,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`@with_config_options(data_cfg=DataConfig)`: the command gets `data_cfg: DataConfig`."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        hints = typing.get_type_hints(command, include_extras=True)
        own = [
            p.replace(annotation=hints.get(p.name, p.annotation), kind=p.KEYWORD_ONLY)
            for p in inspect.signature(command).parameters.values()
            if p.name not in configs
        ]
        added = [p for key, cls in configs.items() for p in config_parameters(cls, key)]

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> Any:
            for key, cls in configs.items():
                values = {
                    name.split("__", 1)[1]: kwargs.pop(name)
                    for name in list(kwargs)
                    if name.startswith(f"{key}__")
                }
                kwargs[key] = cls(**values)
            return command(**kwargs)

        params = own + added
        wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        del wrapper.__wrapped__  # Typer must read the new signature
        return wrapper

    return decorate
