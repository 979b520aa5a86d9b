"""Step 5 of 6, use the model: review texts in, sentiment and probability out (the model's
logit and VADER's score through model.json's stack, decided at its threshold; no pickle).

    refapps imdb predict "A moving, beautifully shot film." "Two hours I will never get back."
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from common.checkpoint import load_model, read_model_meta
from common.errors import CheckpointError, UserError

from .config import APP
from .data import CLASSES, Encoded, encode, load_tokenizer, ngram_features
from .model import build_model
from .stack import Stack, lexicon_scores

BATCH_SIZE = 512


@dataclass(frozen=True)
class Prediction:
    label: str
    probability: float  # of "positive"


class Predictor:
    """A trained model with its tokenizer, its lexicon stack (if any) and its threshold."""

    def __init__(self, model: torch.nn.Module, tokenizer: Any, meta: dict[str, Any]) -> None:
        self.model, self.tokenizer, self.meta = model.eval(), tokenizer, meta
        self.threshold = meta.get("threshold", 0.5)  # P(positive) needed for "positive"
        if type(self.threshold) not in (int, float) or not 0.0 < self.threshold < 1.0:
            raise CheckpointError(f"model.json: 'threshold' {self.threshold!r} is not in (0, 1).")
        self.stack = Stack.from_json(meta["stack"], Path("model.json")) if "stack" in meta else None

    @torch.no_grad()
    def logits_of(self, encoded: Encoded) -> torch.Tensor:
        """(N,) the model's own logits for token ids (see `data.encode`), in batches."""
        args = self.meta["model_args"]
        x = ngram_features(encoded, args["vocab_size"], args["num_buckets"])
        out = [self.model(x[i : i + BATCH_SIZE]).float() for i in range(0, len(x), BATCH_SIZE)]
        return torch.cat(out) if out else torch.zeros(0)

    def predict_logits(self, texts: list[str]) -> torch.Tensor:
        """(N,) logits for raw review texts, through the stack when the run has one."""
        try:
            encoded = encode(self.tokenizer, texts, self.meta["max_tokens"])
        except TypeError:  # what tokenizers raises on lone surrogates
            raise UserError("A review is not valid UTF-8 text.") from None
        logits = self.logits_of(encoded)
        if self.stack is None:
            return logits
        stacked = self.stack.logits(logits.double().numpy(), lexicon_scores(texts), texts)
        return torch.from_numpy(stacked).float()

    def predict(self, texts: list[str]) -> list[Prediction]:
        probs = self.predict_logits(texts).sigmoid().tolist()
        return [Prediction(CLASSES[int(p >= self.threshold)], round(p, 4)) for p in probs]


def load_predictor(run_dir: Path) -> Predictor:
    """Rebuild the model, tokenizer and decision of a finished run, all checked (no pickle)."""
    meta = read_model_meta(run_dir, expected_app=APP)
    if meta.get("model") != "ngram_nb":  # the other models: apps.imdb.dispatch.open_predictor
        raise CheckpointError(f"{run_dir} holds a {meta.get('model')!r} model, not ngram_nb.")
    return Predictor(load_model(build_model, meta, run_dir), load_tokenizer(run_dir), meta)
