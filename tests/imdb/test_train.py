"""train() writes a complete run; evaluate() and the predictor read it back."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import torch

from apps.imdb.explain import explain
from apps.imdb.model import ImdbNgramNB
from apps.imdb.predict import load_predictor
from apps.imdb.train import evaluate, train
from common.errors import UserError


def test_train_writes_every_run_file(trained_run: Path) -> None:
    for name in (
        "config.json",
        "tokenizer.json",
        "model.safetensors",
        "model.json",
        "last.pt",
        "history.csv",
        "metrics.json",
        "curves.png",
    ):
        assert (trained_run / name).is_file(), name
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert {"test/accuracy", "test/auroc", "test/f1", "train_seconds"} <= metrics.keys()
    assert json.loads((trained_run / "config.json").read_text())["train"]["loop"] == "class"
    meta = json.loads((trained_run / "model.json").read_text())
    assert 0.2 <= meta["threshold"] <= 0.8  # chosen on a held-out tenth of train
    assert metrics["threshold"] == meta["threshold"]
    assert meta["num_train_reviews"] == 32
    assert meta["num_train_snippets"] == 0


def test_predictor_and_explanation(trained_run: Path) -> None:
    predictor = load_predictor(trained_run)
    predictions = predictor.predict(["great wonderful superb", "awful boring terrible", ""])
    assert [p.label for p in predictions[:2]] == ["positive", "negative"]
    assert all(0.0 <= p.probability <= 1.0 for p in predictions)
    explanation = explain(predictor, "Great, awful")
    effects = dict(explanation.spans)
    assert effects["Great"] > 0 > effects["awful"]  # the pieces keep the original casing
    assert "".join(piece for piece, _ in explanation.spans) == "Great, awful"
    assert explanation.prediction == predictor.predict(["Great, awful"])[0]
    assert explain(predictor, "").spans == []
    with pytest.raises(UserError, match="not valid UTF-8"):  # a surrogate-escaped argument
        predictor.predict(["good", b"tr\xe8s bon".decode("utf-8", "surrogateescape")])


def test_tokenised_and_raw_text_get_the_same_prediction(trained_run: Path) -> None:
    predictor = load_predictor(trained_run)
    tokenised = ["the plot was boring , i do n't like it .", "it 's a great film ."]
    raw = ["The plot was boring, I don't like it.", "It\u2019s a great film."]
    assert predictor.predict(tokenised) == predictor.predict(raw)


def test_evaluate_reports_accuracy_auroc_f1(trained_run: Path, data_root: Path) -> None:
    result = evaluate(trained_run)
    assert result["num_samples"] == 32
    assert {"test/accuracy", "test/auroc", "test/f1"} <= result.keys()


def test_resume_continues_the_epoch_count(
    data_root: Path, tmp_path: Path, tiny: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_cfg, model_cfg, train_cfg = tiny(tmp_path, epochs=1)
    first = train(data_cfg, model_cfg, train_cfg, progress=False)
    real_set_ratios, calls = ImdbNgramNB.set_ratios, []

    def spy(model: ImdbNgramNB, *args: Any) -> None:
        calls.append(1)
        real_set_ratios(model, *args)

    monkeypatch.setattr(ImdbNgramNB, "set_ratios", spy)
    resumed = train(
        data_cfg,
        model_cfg,
        dataclasses.replace(train_cfg, epochs=2, resume=first.run_dir),
        progress=False,
    )
    assert [r["epoch"] for r in resumed.history] == [1, 2]
    assert calls == [1]  # the held-out fit starts from NB ratios; the resumed model loads its own


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_train_on_cuda_with_bf16(data_root: Path, tmp_path: Path, tiny: Any) -> None:
    data_cfg, model_cfg, train_cfg = tiny(tmp_path, device="cuda", amp=True)
    result = train(data_cfg, model_cfg, train_cfg, progress=False)
    assert 0.0 <= result.metrics["test/accuracy"] <= 1.0
    assert load_predictor(result.run_dir).predict(["great"])[0].label in ("negative", "positive")
