"""--lexicon-stack: fitted on held-out train, saved in model.json, applied alike by CLI and page."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from apps.cli import app
from apps.imdb.dispatch import open_predictor, recipe_for
from apps.imdb.extras.stack import (
    Stack,
    StackedPredictor,
    fit_stack,
    lexicon_scores,
    out_of_fold_probs,
)
from apps.imdb.predict import load_predictor
from apps.imdb.text import encode
from apps.imdb.train import train
from common.errors import CheckpointError, UserError

PAGE = str(Path(__file__).resolve().parents[3] / "apps" / "imdb" / "demo.py")
runner = CliRunner()


def test_stack_learns_to_trust_the_informative_score() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 400)
    logits, compound = rng.normal(0, 1, 400), np.where(labels == 1, 0.6, -0.6)
    stack = fit_stack(logits, compound + rng.normal(0, 0.3, 400), labels, np.ones(400))
    assert stack.lexicon > 1.0 > abs(stack.ngram)
    probs = out_of_fold_probs(logits, compound, labels, np.ones(400), seed=0)
    assert ((probs >= 0.5) == labels).mean() == 1.0  # each fold learned the same lesson


def test_lexicon_scores_and_damaged_stack_entries() -> None:
    scores = lexicon_scores(["A wonderful, great film.", "Awful and boring.", ""])
    assert scores[0] > 0.5
    assert scores[1] < -0.5
    assert scores[2] == 0.0
    assert Stack.from_json({"ngram": 1, "lexicon": 2.5, "bias": 0}, Path("m")).lexicon == 2.5
    for bad in ({"ngram": 1}, {"ngram": "1", "lexicon": 0, "bias": 0}, [1, 2, 3], None):
        with pytest.raises(CheckpointError, match="'stack'"):
            Stack.from_json(bad, Path("model.json"))


def test_train_with_lexicon_stack_saves_weights_the_predictor_applies(
    data_root: Path, tmp_path: Path, tiny: Any
) -> None:
    data_cfg, model_cfg, train_cfg = tiny(tmp_path, epochs=1)
    model_cfg = dataclasses.replace(model_cfg, lexicon_stack=True)
    with pytest.raises(UserError, match="recipe"):  # the reading path alone refuses it
        train(data_cfg, model_cfg, train_cfg, progress=False)
    recipe = recipe_for(data_cfg, model_cfg)
    result = train(data_cfg, model_cfg, train_cfg, progress=False, recipe=recipe)
    meta = json.loads((result.run_dir / "model.json").read_text())
    assert set(meta["stack"]) == {"ngram", "lexicon", "bias"}
    assert result.metrics["threshold"] == meta["threshold"]
    assert 0.0 <= result.metrics["test/accuracy"] <= 1.0
    predictor = open_predictor(result.run_dir)
    assert isinstance(predictor, StackedPredictor)
    stack = Stack(**meta["stack"])
    text = "great wonderful superb"
    plain = predictor.logits_of(encode(predictor.tokenizer, [text], meta["max_tokens"]))
    expected = stack.logits(plain.double().numpy(), lexicon_scores([text]))
    assert predictor.predict_logits([text]).numpy() == pytest.approx(expected, abs=1e-5)
    with pytest.raises(CheckpointError, match="--lexicon-stack"):  # never silently without it
        load_predictor(result.run_dir)


def _set_stack(meta_path: Path, meta: dict[str, Any], lexicon: float) -> None:
    stack = {"ngram": 0.0, "lexicon": lexicon, "bias": 0.0}  # the lexicon alone decides
    meta_path.write_text(json.dumps(meta | {"threshold": 0.5, "stack": stack}))


def test_cli_and_page_apply_the_saved_stack_alike(
    trained_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "runs"
    shutil.copytree(trained_run.parent.parent, root)
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(root))
    meta_path = next(root.glob("imdb/*/model.json"))
    meta = json.loads(meta_path.read_text())
    text = "great wonderful superb"  # the n-grams and VADER both call it positive
    for lexicon, label in ((10.0, "positive"), (-10.0, "negative")):
        _set_stack(meta_path, meta, lexicon)
        result = runner.invoke(app, ["imdb", "predict", text, "--runs-dir", str(root), "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)[0]["label"] == label
        at = AppTest.from_file(PAGE, default_timeout=30).run()
        at.text_area(key="review").input(text).run()
        at.button(key="predict").click().run()
        assert not at.exception
        assert at.metric[0].value == label
    meta_path.write_text(json.dumps(meta | {"stack": {"ngram": 1.0}}))
    result = runner.invoke(app, ["imdb", "predict", text, "--runs-dir", str(root)])
    assert result.exit_code == 2
    assert "'stack'" in result.output
    assert "Traceback" not in result.output
