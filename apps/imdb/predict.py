"""Step 5 of 6, use the model: review texts in, sentiment and probability out (the model's
logit and VADER's score through model.json's stack, decided at its threshold; no pickle).

    refapps imdb predict "A moving, beautifully shot film." "Two hours I will never get back."
    refapps imdb predict --csv reviews.csv --column review --out results.csv
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from common.checkpoint import MODEL_WEIGHTS, build_model_checked, load_weights, read_model_meta
from common.errors import CheckpointError, UserError

from .config import APP
from .data import CLASSES, Encoded, encode, load_tokenizer
from .model import NGRAM_NB, Family
from .stack import Stack, lexicon_scores

BATCH_SIZE = 512


@dataclass(frozen=True)
class Prediction:
    label: str
    probability: float  # of "positive"


class Predictor:
    """A trained model with its tokenizer, its lexicon stack (if any) and its threshold."""

    def __init__(
        self, model: torch.nn.Module, tokenizer: Any, meta: dict[str, Any], family: Family
    ) -> None:
        self.model, self.tokenizer, self.meta = model.eval(), tokenizer, meta
        self.family = family
        self.threshold = float(meta.get("threshold", 0.5))  # P(positive) needed for "positive"
        has_stack = "stack" in meta
        self.stack = Stack.from_json(meta["stack"], Path("model.json")) if has_stack else None

    @torch.no_grad()
    def logits_of(self, encoded: Encoded) -> torch.Tensor:
        """(N,) the model's own logits for token ids (see `data.encode`), in batches."""
        inputs, rows = self.family.inputs(encoded, self.meta["model_args"]), np.arange(len(encoded))
        batches = (self.family.batch(inputs, rows[i : i + BATCH_SIZE]) for i in rows[::BATCH_SIZE])
        out = [self.model(x).float() for x in batches]
        return torch.cat(out) if out else torch.zeros(0)

    def predict_logits(self, texts: list[str]) -> torch.Tensor:
        """(N,) logits for raw review texts, through the stack when the run has one."""
        for i, text in enumerate(texts, start=1):
            if not text.isascii():  # tokenizers raises a TypeError on lone surrogates
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    raise UserError(f"Review {i} is not valid UTF-8 text.") from None
        logits = self.logits_of(encode(self.tokenizer, texts, self.meta["max_tokens"]))
        if self.stack is None:
            return logits
        stacked = self.stack.logits(logits.double().numpy(), lexicon_scores(texts), texts)
        return torch.from_numpy(stacked).float()

    def label(self, probability: float) -> Prediction:
        return Prediction(CLASSES[int(probability >= self.threshold)], round(probability, 4))

    def predict(self, texts: list[str]) -> list[Prediction]:
        return [self.label(p) for p in self.predict_logits(texts).sigmoid().tolist()]


def load_predictor(run_dir: Path, family: Family = NGRAM_NB) -> Predictor:
    """Rebuild the model, tokenizer and decision of a finished run, all checked (no pickle)."""
    meta = read_model_meta(run_dir, expected_app=APP)
    threshold = meta.get("threshold", 0.5)
    if type(threshold) not in (int, float) or not 0.0 < threshold < 1.0:
        raise CheckpointError(
            f"{Path(run_dir) / 'model.json'}: 'threshold' must be a number between 0 and 1 "
            f"(got {threshold!r}); the file was edited or is damaged: train again."
        )
    args = meta.get("model_args")
    name = args.get("name") if isinstance(args, dict) else None
    if name not in family.names:
        raise CheckpointError(f"{run_dir} holds a {name!r} model, not {' or '.join(family.names)}.")
    model = build_model_checked(family.build, meta, run_dir)
    load_weights(model, Path(run_dir) / MODEL_WEIGHTS)
    return Predictor(model, load_tokenizer(run_dir), meta, family)
