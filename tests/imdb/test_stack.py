"""The lexicon stack: fitted on held-out train only, in model.json, applied by CLI and page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

import apps.imdb.data as data_module
import apps.imdb.train as train_module
from apps.cli import app
from apps.imdb import stack as stack_module
from apps.imdb.data import Reviews, encode
from apps.imdb.dispatch import open_predictor
from apps.imdb.predict import load_predictor
from apps.imdb.stack import (
    Stack,
    fit_stack,
    group_weights,
    lexicon_scores,
    sample_sentences,
    split_sentences,
)
from apps.imdb.train import train
from common import cache as cache_module
from common.errors import CheckpointError

PAGE = str(Path(__file__).resolve().parents[2] / "apps" / "imdb" / "demo.py")
OLD_RUNS = Path(__file__).resolve().parent / "old_runs"
REVIEW = "I loved it. The cast is great!<br /><br />Too long? No. The end is weak though."
runner = CliRunner()


def test_stack_learns_to_trust_the_informative_score() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 400)
    logits, compound = rng.normal(0, 1, 400), np.where(labels == 1, 0.6, -0.6)
    texts = ["a short text"] * 400
    stack = fit_stack(logits, compound + rng.normal(0, 0.3, 400), labels, np.ones(400), texts)
    assert stack.short[1] > 1.0 > abs(stack.short[0])
    assert ((stack.logits(logits, compound, texts) >= 0) == labels).mean() == 1.0


def test_lexicon_scores_and_damaged_stack_entries() -> None:
    scores = lexicon_scores(["A wonderful, great film.", "Awful and boring.", ""])
    assert scores[0] > 0.5
    assert scores[1] < -0.5
    assert scores[2] == 0.0
    assert Stack.from_json({"ngram": 1, "lexicon": 2.5, "bias": 0}, Path("m")).long[1] == 2.5
    bad_entries = ({"ngram": 1}, {"ngram": "1", "lexicon": 0, "bias": 0}, [1, 2, 3], None)
    for bad in (*bad_entries, {"ngram": True, "lexicon": 0, "bias": 0}):
        with pytest.raises(CheckpointError, match="'stack'"):
            Stack.from_json(bad, Path("model.json"))


def test_long_lists_are_scored_on_every_core_then_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFAPPS_CACHE", str(tmp_path))
    monkeypatch.setattr(cache_module, "CACHED_FROM", 3)
    texts = ["A wonderful film.", "Awful.", "It is fine I guess.", "Great!", "Boring."] * 3
    first = lexicon_scores(texts)
    assert first.tolist() == stack_module.vader_compound(texts)  # same order as one process
    assert lexicon_scores(texts[1:]).tolist() == first.tolist()[1:]
    assert len(list(tmp_path.rglob("vader-*"))) == 2  # one file per list of texts

    def fail(texts: list[str]) -> list[float]:
        raise AssertionError("scored again instead of read from the cache")

    monkeypatch.setattr(stack_module, "vader_compound", fail)
    assert lexicon_scores(texts).tolist() == first.tolist()


def test_split_sentences_cuts_at_ends_and_tags_and_drops_tiny_pieces() -> None:
    assert split_sentences(REVIEW) == [
        "I loved it.",
        "The cast is great!",
        "The end is weak though.",
    ]  # "Too long?" and "No." are under 3 words


def test_sentences_are_distinct_and_carry_their_review_label() -> None:
    reviews = Reviews([REVIEW, "Awful film, truly bad. Never again, never."], np.array([1, 0]))
    sentences = sample_sentences(reviews, per_review=2, rng=np.random.default_rng(0))
    assert len(set(sentences.texts[:2])) == 2
    assert all(t in split_sentences(REVIEW) for t in sentences.texts[:2])
    assert sentences.labels.tolist() == [1, 1, 0, 0]
    assert group_weights(2, 4).tolist() == [0.25, 0.25, 0.125, 0.125, 0.125, 0.125]


def test_default_run_saves_a_stack_the_predictor_applies(trained_run: Path) -> None:
    meta = json.loads((trained_run / "model.json").read_text())
    assert meta["threshold"] == 0.5  # the stack's own bias is the decision boundary
    stack = Stack.from_json(meta["stack"], trained_run)
    predictor = load_predictor(trained_run)
    text = "great wonderful superb"
    plain = predictor.logits_of(encode(predictor.tokenizer, [text], meta["max_tokens"]))
    expected = stack.logits(plain.double().numpy(), lexicon_scores([text]), [text])
    assert predictor.predict_logits([text]).numpy() == pytest.approx(expected, abs=1e-5)


def test_choosing_never_opens_the_test_reviews_or_other_sites(
    data_root: Path, tmp_path: Path, tiny: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While `choose` runs, the test folder and the Yelp/Amazon files are not there at all."""
    imdb = data_root / "imdb"
    hidden = [imdb / "aclImdb" / "test", imdb / "other_reviews"]
    real_choose, calls = train_module.choose, []

    def choose_without_them(*args: Any) -> dict[str, Any]:
        for folder in hidden:
            folder.rename(tmp_path / folder.name)
        try:
            calls.append(real_choose(*args))
            return calls[-1]
        finally:
            for folder in hidden:
                (tmp_path / folder.name).rename(folder)

    def no_download() -> Path:
        raise AssertionError("the choosing part looked for the test reviews")

    real_choosing_set, choosing_reads = train_module.choosing_set, []

    def count_choosing_reads() -> Any:
        choosing_reads.append(len(calls))  # how many choosing fits had finished by then
        return real_choosing_set()

    monkeypatch.setattr(train_module, "choose", choose_without_them)
    monkeypatch.setattr(train_module, "choosing_set", count_choosing_reads)
    monkeypatch.setattr(data_module, "download", no_download)
    result = train(*tiny(tmp_path / "runs", epochs=1), progress=False)
    assert len(calls) == 1
    assert choosing_reads == [0]  # CR was read once, inside the choosing fit
    assert set(calls[0]["stack"]) == {"short", "long", "short_words"}
    assert result.metrics["test/accuracy"] >= 0.0  # the test reviews were read afterwards


def _cli_and_page(root: Path, text: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """(label, probability) for `text` from `refapps imdb predict` and from the page."""
    result = runner.invoke(app, ["imdb", "predict", text, "--runs-dir", str(root), "--json"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)[0]
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    at.text_area(key="review").input(text).run()
    at.button(key="predict").click().run()
    assert not at.exception
    return (row["label"], f"{row['probability']:.1%}"), (at.metric[0].value, at.metric[1].value)


def test_cli_and_page_apply_the_saved_decision_alike(
    trained_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "runs"
    shutil.copytree(trained_run.parent.parent, root)
    monkeypatch.setenv("REFAPPS_RUNS_DIR", str(root))
    meta_path = next(root.glob("imdb/*/model.json"))
    meta = json.loads(meta_path.read_text())
    for text in ("great wonderful superb", "The plot was dull, but the ending is great."):
        cli, page = _cli_and_page(root, text)
        assert cli == page
    text = "great wonderful superb"  # the n-grams and VADER both call it positive
    for lexicon, label in ((10.0, "positive"), (-10.0, "negative")):  # the lexicon alone decides
        stack = {"short": [0, lexicon, 0], "long": [0, -lexicon, 0], "short_words": 50}
        meta_path.write_text(json.dumps(meta | {"stack": stack}))
        cli, page = _cli_and_page(root, text)
        assert cli == page
        assert cli[0] == label
    meta_path.write_text(json.dumps(meta | {"stack": {"ngram": 1.0}}))
    result = runner.invoke(app, ["imdb", "predict", text, "--runs-dir", str(root)])
    assert result.exit_code == 2
    assert "'stack'" in result.output
    assert "Traceback" not in result.output


def old_weights() -> dict[str, torch.Tensor]:
    """Seeded weights under the names and shapes the code before the switch saved."""
    g, n = torch.Generator().manual_seed(0), 1040
    return {
        "bias": torch.tensor([0.3]),
        "r": torch.randn(n, generator=g),
        "w": torch.randn(n, generator=g),
        "keep": torch.rand(n, generator=g) > 0.3,
    }


@pytest.mark.parametrize("name", ["plain_threshold", "lexicon_stack"])
def test_runs_saved_before_predict_as_they_did(name: str, tmp_path: Path) -> None:
    """model.json, config and tokenizer as the code before the stack wrote them; expected.json
    holds that code's predictions for these files with `old_weights()`."""
    run_dir = Path(shutil.copytree(OLD_RUNS / name, tmp_path / name))
    save_file(old_weights(), str(run_dir / "model.safetensors"))
    expected = json.loads((OLD_RUNS / "expected.json").read_text())
    predictions = open_predictor(run_dir).predict(expected["texts"])
    assert [p.label for p in predictions] == [e["label"] for e in expected["predictions"][name]]
    got = [p.probability for p in predictions]
    assert got == pytest.approx([e["probability"] for e in expected["predictions"][name]])
