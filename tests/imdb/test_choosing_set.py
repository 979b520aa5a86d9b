"""The CR choosing set and the stack per text length (studies/imdb, sixth round)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from apps.imdb import stack as stack_module
from apps.imdb.stack import Stack, choosing_set, fit_stack, group_weights
from common.errors import CheckpointError, DataNotFoundError

RAW = {
    "pos": "i love it ! .\n\ngreat &#38 ; sharp screen .\ni love it ! .\n\n",
    "neg": "do n't buy  this player .\n\n",
}


def test_choosing_set_is_fetched_converted_and_then_read_from_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFAPPS_DATA", str(tmp_path))
    fetched: list[str] = []

    def fetch(url: str, sha256: str, dest: Path, progress: bool = True) -> Path:
        name = url.rsplit(".", 1)[1]
        assert sha256 == stack_module.CR_SHA256[name]  # every download pinned
        fetched.append(name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(RAW[name], encoding="utf-8")
        return dest

    monkeypatch.setattr(stack_module, "fetch_verified", fetch)
    first = choosing_set()
    assert first.texts == ["i love it ! .", "great & ; sharp screen .", "do n't buy this player ."]
    assert first.labels.tolist() == [1, 1, 0]  # empty lines and the repeated line dropped
    csv = tmp_path / "imdb" / "select" / "customer_reviews.csv"
    assert csv.read_text(encoding="utf-8").splitlines()[0] == "text,label"
    assert choosing_set().texts == first.texts
    assert fetched == ["pos", "neg"]  # the second call read the CSV, no network


def test_a_damaged_choosing_set_is_refused_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFAPPS_DATA", str(tmp_path))
    csv = tmp_path / "imdb" / "select" / "customer_reviews.csv"
    csv.parent.mkdir(parents=True)
    csv.write_text("sentence,score\nfine .,4\n", encoding="utf-8")
    with pytest.raises(DataNotFoundError, match="delete it"):
        choosing_set()


def test_short_and_long_texts_get_their_own_stack() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 800)
    short = np.arange(800) < 400  # on short rows only the lexicon knows the label
    texts = ["good"] * 400 + ["word " * 60] * 400
    sign = np.where(labels == 1, 1.0, -1.0)
    logits = np.where(short, rng.normal(0, 1, 800), 2 * sign + rng.normal(0, 1, 800))
    compound = np.where(short, 0.6 * sign, rng.normal(0, 0.6, 800)) + rng.normal(0, 0.2, 800)
    stack = fit_stack(logits, compound, labels, group_weights(400, 400), texts)
    assert stack.short[1] > 2.0 > abs(stack.short[0])  # short texts: trust the lexicon
    assert stack.long[0] > 1.0 > abs(stack.long[1])  # long texts: trust the model
    right = (stack.logits(logits, compound, texts) >= 0) == labels
    assert right[short].mean() > 0.9
    assert right[~short].mean() > 0.9


def test_a_length_group_without_both_classes_takes_every_row() -> None:
    labels = np.array([0, 1, 0, 1, 1])
    texts = ["a b", "c d", "e f", "g h", "word " * 60]  # the one long row is positive
    logits, compound = np.array([-1.0, 1, -1, 1, 1]), np.zeros(5)
    stack = fit_stack(logits, compound, labels, np.ones(5), texts)
    assert stack.long == fit_stack(logits, compound, labels, np.ones(5), texts, 0).long


def test_group_weights_give_each_group_the_same_say() -> None:
    weights = group_weights(2, 3, 5, 10)
    assert len(weights) == 20
    sums = [weights[a:b].sum() for a, b in ((0, 2), (2, 5), (5, 10), (10, 20))]
    assert sums == pytest.approx([0.25] * 4)
    assert group_weights(3, 0).tolist() == pytest.approx([1 / 6] * 3)  # no sentences: no error


def test_stacks_in_model_json_old_and_new_and_damaged() -> None:
    old = Stack.from_json({"ngram": 2, "lexicon": 0.5, "bias": -1}, Path("m"))
    texts = ["short text", "word " * 80]
    assert old.logits(np.ones(2), np.ones(2), texts).tolist() == [1.5, 1.5]  # one for all
    new = Stack.from_json({"short": [0, 1, 0], "long": [1, 0, 0], "short_words": 50}, Path("m"))
    assert new.logits(np.array([3.0, 3.0]), np.array([0.5, 0.5]), texts).tolist() == [0.5, 3.0]
    good = {"short": [0, 1, 0], "long": [1, 0, 0], "short_words": 50}
    for key, bad in (("short", [0, 1]), ("long", [1, "0", 0]), ("short_words", 5.5)):
        with pytest.raises(CheckpointError, match="'stack'"):
            Stack.from_json(good | {key: bad}, Path("model.json"))
    for bad_value in (None, [1, 2, 3], {"short": [0, 1, 0]}, {"ngram": True, "lexicon": 0}):
        with pytest.raises(CheckpointError, match="'stack'"):
            Stack.from_json(bad_value, Path("model.json"))


def test_offline_without_the_choosing_set_says_where_to_put_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pooch

    def offline(*args: object, **kwargs: object) -> str:
        raise ConnectionError("no network")

    monkeypatch.setenv("REFAPPS_DATA", str(tmp_path))
    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(DataNotFoundError, match="Could not download") as err:
        choosing_set()
    assert "custrev.pos" in str(err.value)  # the URL and the place to put the file by hand
    assert str(tmp_path / "imdb" / "select") in str(err.value)
