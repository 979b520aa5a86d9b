"""Study: a short-text check built from IMDB training data only, with labels that fit.

    REFAPPS_DATA=../shared/data python studies/imdb/short_text_proxy.py [--snippets 1]

The held-out sentences `train` decides on carry their review's label, so a neutral plot
sentence of a positive review counts as positive. This proxy keeps only the first and the
last sentence of the held-out reviews rated 1 or 10 stars (rating from the aclImdb file
name), where the verdict usually sits. It fits the app's model on the same 90 % of train
as `train` does, then scores the held-out reviews and these sentences (half the say each):
the n-gram model at its chosen threshold, and the VADER stack out of fold, with the paired
gain and its standard error. Never the test reviews, never the other sites' files.
Write-up: README.md ("Third round").
"""

from __future__ import annotations

import argparse

import numpy as np
from held_out import out_of_fold_probs

from apps.imdb.config import TRAIN_DEFAULTS, DataConfig, ModelConfig
from apps.imdb.extras.options import fit_held_out, fitted_predictor
from apps.imdb.extras.threshold import balanced_accuracy, choose_threshold, sigmoid
from apps.imdb.stack import group_weights, lexicon_scores, split_sentences
from common.data import data_root


def ratings() -> dict[str, int]:
    """Review text -> star rating, from the training file names `<id>_<rating>.txt`."""
    folders = [data_root() / "imdb" / "aclImdb" / "train" / label for label in ("neg", "pos")]
    return {
        p.read_text(encoding="utf-8", errors="replace"): int(p.stem.split("_")[1])
        for folder in folders
        for p in folder.glob("*.txt")
    }


def verdict_sentences(texts: list[str], labels: np.ndarray) -> tuple[list[str], list[int]]:
    """First and last sentence of each review rated 1 or 10, labelled by its review."""
    stars, out_texts, out_labels = ratings(), [], []
    for text, label in zip(texts, labels, strict=True):
        sentences = split_sentences(text) if stars[text] in (1, 10) else []
        for i in sorted({0, len(sentences) - 1} if sentences else set()):
            out_texts.append(sentences[i])
            out_labels.append(int(label))
    return out_texts, out_labels


def held_out_proxy(snippets: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """(logits, VADER scores, labels, weights, number of reviews) on reviews + verdicts."""
    data_cfg, model_cfg = DataConfig(snippets_per_review=snippets), ModelConfig()
    model, loaders, meta = fit_held_out(data_cfg, model_cfg, TRAIN_DEFAULTS)
    held = loaders.val_reviews
    sentences, sentence_labels = verdict_sentences(held.texts, held.labels)
    texts = held.texts + sentences
    predictor = fitted_predictor(model, loaders, meta)
    logits = predictor.predict_logits(texts).numpy().astype(np.float64)
    n = len(held.labels)
    labels = np.concatenate([held.labels, sentence_labels])
    return logits, lexicon_scores(texts), labels, group_weights(n, len(sentences)), n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snippets", type=int, default=0, help="snippets per training review")
    logits, compound, labels, weights, n = held_out_proxy(parser.parse_args().snippets)
    right = labels.astype(bool)
    share = np.zeros(len(labels))  # each row's say in the equal-weight balanced accuracy
    for c in (False, True):
        share[right == c] = weights[right == c] / (2 * weights[right == c].sum())
    rules = {
        "n-grams": sigmoid(logits),
        "stack (out of fold)": out_of_fold_probs(logits, compound, labels, weights, 0),
    }
    print(f"{n} held-out reviews, {len(labels) - n} verdict sentences")
    base = None
    for name, probs in rules.items():
        threshold = choose_threshold(probs, labels, weights)
        correct = (probs >= threshold) == right
        base = correct if base is None else base
        diff = correct.astype(float) - base
        print(
            f"{name:20s} threshold {threshold:.2f}  reviews {correct[:n].mean():.4f}  "
            f"sentences {correct[n:].mean():.4f}  positive {np.mean(probs[n:] >= threshold):.3f}  "
            f"balanced {balanced_accuracy(probs, labels, threshold, weights):.4f}  "
            f"gain {(share * diff).sum():+.4f} (SE {np.sqrt((share**2 * diff**2).sum()):.4f})"
        )


if __name__ == "__main__":
    main()
