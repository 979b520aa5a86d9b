"""The decision rule: equal-weight threshold, the lexicon stack, saved and applied alike."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from apps.cli import app
from apps.imdb.decision import HeldOut, compare_rules, decide
from apps.imdb.predict import load_predictor
from apps.imdb.scoring import choose_threshold, group_weights
from apps.imdb.stack import Stack, fit_stack, lexicon_scores
from apps.imdb.train import compare_held_out, train
from common.errors import CheckpointError

PAGE = str(Path(__file__).resolve().parents[2] / "apps" / "imdb" / "demo.py")
runner = CliRunner()


def test_reviews_and_sentences_get_half_the_say_each() -> None:
    weights = group_weights(2, 4)
    assert weights.tolist() == [0.25, 0.25, 0.125, 0.125, 0.125, 0.125]
    # The two reviews want a threshold above 0.55, the four sentences one below 0.4.
    # Unweighted, the sentences win; weighted equally, both tie and 0.56 is nearest 0.5.
    probs = np.array([0.55, 0.65, 0.3, 0.35, 0.4, 0.45])
    labels = np.array([0, 1, 0, 0, 1, 1])
    assert choose_threshold(probs, labels, weights) == 0.5  # 6 rows: any gain is noise
    probs, labels, weights = np.tile(probs, 50), np.tile(labels, 50), np.tile(weights, 50)
    assert choose_threshold(probs, labels) == pytest.approx(0.40)
    assert choose_threshold(probs, labels, weights) == pytest.approx(0.56)


def test_a_threshold_within_noise_of_the_best_becomes_0_5() -> None:
    probs = np.r_[np.linspace(0.05, 0.45, 2000), 0.505, np.linspace(0.55, 0.95, 2000)]
    labels = np.r_[np.zeros(2001), np.ones(2000)]
    assert choose_threshold(probs, labels) == 0.5  # 0.51 fixes one row in 4,001: noise
    assert choose_threshold(probs + 0.15, labels) > 0.6  # a real shift is still followed


def test_stack_learns_to_trust_the_informative_score() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 400)
    logits, compound = rng.normal(0, 1, 400), np.where(labels == 1, 0.6, -0.6)
    stack = fit_stack(logits, compound + rng.normal(0, 0.3, 400), labels, np.ones(400))
    assert stack.lexicon > 1.0 > abs(stack.ngram)
    held = HeldOut(logits, compound, labels, group_weights(200, 200), 200)
    decision = decide(held)
    assert set(decision["stack"]) == {"ngram", "lexicon", "bias"}
    rows = {row["rule"]: row for row in compare_rules(held, seed=0)}
    assert rows["stack, 0.5 (out of fold)"]["sentences"] > rows["n-grams, 0.5"]["sentences"]


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
    model_cfg = type(model_cfg)(**{**model_cfg.__dict__, "lexicon_stack": True})
    result = train(data_cfg, model_cfg, train_cfg, progress=False)
    meta = json.loads((result.run_dir / "model.json").read_text())
    assert set(meta["stack"]) == {"ngram", "lexicon", "bias"}
    assert result.metrics["threshold"] == meta["threshold"]
    assert 0.0 <= result.metrics["test/accuracy"] <= 1.0
    predictor = load_predictor(result.run_dir)
    stack = Stack(**meta["stack"])
    text = "great wonderful superb"
    plain = predictor._logits(_enc(predictor, text))
    expected = stack.logits(plain.double().numpy(), lexicon_scores([text]))
    assert predictor.predict_logits([text]).numpy() == pytest.approx(expected, abs=1e-5)


def _enc(predictor: Any, text: str) -> Any:
    from apps.imdb.text import encode

    return encode(predictor.tokenizer, [text], predictor.meta["max_tokens"])


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


def test_compare_held_out_scores_every_rule_on_train_data_only(
    data_root: Path, tmp_path: Path, tiny: Any
) -> None:
    import dataclasses

    data_cfg, model_cfg, train_cfg = tiny(tmp_path, epochs=1)
    rows = compare_held_out(
        dataclasses.replace(data_cfg, threshold_fraction=0.25), model_cfg, train_cfg
    )
    names = [row["rule"] for row in rows]
    assert "n-grams, equal-weight threshold" in names
    assert "stack, 0.5 (out of fold)" in names
    assert all(0.0 <= row["reviews"] <= 1.0 for row in rows)
