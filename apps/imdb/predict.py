"""Step 5, use the model: review texts in, sentiment and probability out.

    refapps imdb predict "A moving, beautifully shot film." "Two hours I will never get back."
    refapps imdb predict --file reviews.txt          # one review per line
    refapps imdb predict --csv reviews.csv --column review --out results.csv

The CLI and the Streamlit page both call `load_predictor(run_dir)`, so inference exists
once, and both apply the decision rule saved in the run's model.json (chosen on held-out
training data: a threshold, 0.5 for runs that have none, and the lexicon stack's weights
when the run has one; explanations come from the model's own logit). Loading a run executes no code:
weights are safetensors, the tokenizer is JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from common.checkpoint import (
    MODEL_WEIGHTS,
    build_model_checked,
    load_weights,
    read_model_meta,
)
from common.errors import CheckpointError, UserError

from .config import APP
from .data import CLASSES
from .model import INPUT_KIND, build_model
from .stack import Stack, lexicon_scores
from .text import Encoded, batch_inputs, encode, load_tokenizer, model_inputs

BATCH_SIZE = 512
MAX_EXPLAINED_TOKENS = 400  # occlusion runs the model once per token: cap it for long texts


@dataclass(frozen=True)
class Prediction:
    label: str
    probability: float  # of "positive"


@dataclass(frozen=True)
class Explanation:
    prediction: Prediction
    spans: list[tuple[str, float]]  # (text piece, logit change the token caused); gaps have 0.0
    num_tokens: int
    num_explained: int


class Predictor:
    """A trained model with its tokenizer."""

    def __init__(self, model: torch.nn.Module, tokenizer: Any, meta: dict[str, Any]) -> None:
        self.model, self.tokenizer, self.meta = model.eval(), tokenizer, meta
        self.threshold = float(meta.get("threshold", 0.5))  # P(positive) needed for "positive"
        self.kind = INPUT_KIND[meta["model_args"]["name"]]
        self.vocab_size = meta["model_args"]["vocab_size"]
        stack = meta.get("stack")  # lexicon stack fitted on held-out train data, if any
        self.stack = None if stack is None else Stack.from_json(stack, Path("model.json"))

    def _inputs(self, encoded: Encoded) -> Encoded:
        return model_inputs(
            encoded, self.kind, self.vocab_size, self.meta["model_args"]["num_buckets"]
        )

    @torch.no_grad()
    def _logits(self, encoded: Encoded) -> torch.Tensor:
        inputs, out = self._inputs(encoded), []
        for start in range(0, len(inputs), BATCH_SIZE):
            rows = np.arange(start, min(start + BATCH_SIZE, len(inputs)))
            out.append(self.model(batch_inputs(inputs, rows, self.kind)).float())
        return torch.cat(out) if out else torch.zeros(0)

    def predict_logits(self, texts: list[str]) -> torch.Tensor:
        """(N,) logits for raw review texts."""
        for i, text in enumerate(texts, start=1):
            if not text.isascii():  # tokenizers raises a TypeError on lone surrogates
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    raise UserError(f"Review {i} is not valid UTF-8 text.") from None
        logits = self._logits(encode(self.tokenizer, texts, self.meta["max_tokens"]))
        if self.stack is None:
            return logits
        stacked = self.stack.logits(logits.double().numpy(), lexicon_scores(texts))
        return torch.from_numpy(stacked).float()

    def label(self, probability: float) -> Prediction:
        return Prediction(CLASSES[int(probability >= self.threshold)], round(probability, 4))

    def predict(self, texts: list[str]) -> list[Prediction]:
        return [self.label(p) for p in self.predict_logits(texts).sigmoid().tolist()]

    def predict_frame(self, texts: list[str]) -> pd.DataFrame:
        """Columns text, label (positive/negative), probability (of positive)."""
        predictions = self.predict(texts)
        return pd.DataFrame(
            {
                "text": texts,
                "label": [p.label for p in predictions],
                "probability": [p.probability for p in predictions],
            }
        )

    def explain(self, text: str) -> Explanation:
        """Occlusion: drop each token in turn; how much did the logit move without it?"""
        self.tokenizer.enable_truncation(self.meta["max_tokens"])
        encoding = self.tokenizer.encode(text)
        ids = np.asarray(encoding.ids, dtype=np.int64)
        n = min(len(ids), MAX_EXPLAINED_TOKENS)
        variants = [ids] + [np.delete(ids, i) for i in range(n)]
        lengths = np.array([len(v) for v in variants], dtype=np.int64)
        flat = np.concatenate(variants) if lengths.sum() else np.zeros(0, dtype=np.int64)
        logits = self._logits(Encoded(flat, np.concatenate([[0], np.cumsum(lengths)])))
        effects = (logits[0] - logits[1:]).tolist()  # > 0: the token pushed towards positive
        spans, cursor = [], 0
        for (start, end), effect in zip(encoding.offsets[:n], effects, strict=True):
            if start > cursor:
                spans.append((text[cursor:start], 0.0))
            spans.append((text[start:end], effect))
            cursor = max(cursor, end)
        if cursor < len(text):
            spans.append((text[cursor:], 0.0))
        label = self.predict([text])[0] if self.stack else self.label(float(logits[0].sigmoid()))
        return Explanation(label, spans, len(ids), n)


def load_predictor(run_dir: Path) -> Predictor:
    """Rebuild the model and tokenizer of a finished run (no pickle anywhere)."""
    meta = read_model_meta(run_dir, expected_app=APP)
    threshold = meta.get("threshold", 0.5)
    if not isinstance(threshold, int | float) or not 0.0 < threshold < 1.0:
        raise CheckpointError(
            f"{Path(run_dir) / 'model.json'}: 'threshold' must be a number between 0 and 1 "
            f"(got {threshold!r}); the file was edited or is damaged: train again."
        )
    Stack.from_json(meta["stack"], Path(run_dir) / "model.json") if "stack" in meta else None
    model = build_model_checked(build_model, meta, run_dir)
    load_weights(model, Path(run_dir) / MODEL_WEIGHTS)
    return Predictor(model, load_tokenizer(run_dir), meta)
