"""Reading people's review files, the snippet sampler, and the scores built on probabilities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.imdb.data import Reviews
from apps.imdb.review_files import (
    collect_reviews,
    read_labelled,
    read_lines,
    read_review_csv,
)
from apps.imdb.scoring import choose_threshold, label_metrics
from apps.imdb.snippets import sample_sentences, sample_snippets, split_sentences, with_snippets
from common.errors import UserError

REVIEW = "I loved it. The cast is great!<br /><br />Too long? No. The end is weak though."
NO_STDIN = lambda: b""  # noqa: E731


def test_split_sentences_cuts_at_ends_and_tags_and_drops_tiny_pieces() -> None:
    assert split_sentences(REVIEW) == [
        "I loved it.",
        "The cast is great!",
        "The end is weak though.",
    ]  # "Too long?" and "No." are under 3 words


def test_snippets_are_runs_of_consecutive_sentences_with_the_review_label() -> None:
    reviews = Reviews([REVIEW, "Awful film, truly bad. Never again, never."], np.array([1, 0]))
    snippets = sample_snippets(reviews, per_review=5, rng=np.random.default_rng(0))
    assert len(snippets.texts) == 10
    assert snippets.labels.tolist() == [1] * 5 + [0] * 5
    for text in snippets.texts[:5]:
        assert text in " ".join(split_sentences(REVIEW))  # runs of consecutive sentences
    sentences = sample_sentences(reviews, per_review=2, rng=np.random.default_rng(0))
    assert all(t in split_sentences(REVIEW) for t in sentences.texts[:2])
    both = with_snippets(reviews, 1, seed=0)
    assert both.texts[:2] == reviews.texts  # whole reviews first, then their snippets
    assert len(both.texts) == 4
    assert with_snippets(reviews, 0, seed=0) is reviews


def test_threshold_and_label_metrics() -> None:
    probs, labels = np.array([0.1, 0.3, 0.62, 0.65, 0.9]), np.array([0, 0, 0, 1, 1])
    assert choose_threshold(probs, labels) == 0.5  # five rows: the gain is within noise
    assert choose_threshold(np.tile(probs, 40), np.tile(labels, 40)) == pytest.approx(0.63)
    scores = label_metrics(probs, labels, "yelp", threshold=0.5)
    assert scores["yelp/positive_rate"] == pytest.approx(0.6)
    assert scores["yelp/accuracy"] == pytest.approx(0.8)
    assert scores["yelp/negative_accuracy"] == pytest.approx(2 / 3)
    assert scores["yelp/positive_accuracy"] == 1.0


def test_read_labelled_reads_tab_lines_and_text_label_csv() -> None:
    tsv = read_labelled(b"Wow... Loved this place.\t1\nCrust is not good.\t0\n", "yelp.txt")
    assert tsv.texts == ["Wow... Loved this place.", "Crust is not good."]
    assert tsv.labels.tolist() == [1, 0]
    csv = read_labelled(b'text,label\n"Good, cheap",pos\nBroke in a day,negative\n', "a.csv")
    assert csv.texts == ["Good, cheap", "Broke in a day"]
    assert csv.labels.tolist() == [1, 0]
    with pytest.raises(UserError, match="row 2"):
        read_labelled(b"fine\t1\nunsure\tmaybe\n", "bad.txt")


def test_readers_refuse_other_encodings_binary_and_empty_reviews() -> None:
    with pytest.raises(UserError, match=r"not UTF-8 text \(byte 0xe8"):
        read_lines("très bon film\n".encode("latin-1"), "latin1.txt")
    with pytest.raises(UserError, match="binary"):
        read_lines(b"\x89PNG\r\n\x1a\n\x00\x00", "image.png")
    with pytest.raises(UserError, match="row 2 is empty"):
        read_review_csv(b"id,text\n1,good\n2,   \n", "r.csv", "text")
    with pytest.raises(UserError, match="no column 'review'"):
        read_review_csv(b"text\ngood\n", "r.csv", "review")
    assert read_lines("\ufeffgreat\n\n  \nbad\r\n".encode(), "f.txt") == ["great", "bad"]


def test_collect_reviews_from_arguments_stdin_file_and_csv(tmp_path: Path) -> None:
    file = tmp_path / "r.txt"
    file.write_text("from file\n", encoding="utf-8")
    csv = tmp_path / "r.csv"
    csv.write_text("id,review\n1,from csv\n", encoding="utf-8")
    found = collect_reviews(["arg", "-"], file, csv, "review", lambda: b"from stdin\n")
    assert found == ["arg", "from stdin", "from file", "from csv"]
    with pytest.raises(UserError, match="not valid UTF-8"):  # a latin-1 terminal's argument
        collect_reviews(
            [b"tr\xe8s bon".decode("utf-8", "surrogateescape")], None, None, "t", NO_STDIN
        )
    with pytest.raises(UserError, match="argument 1 is empty"):
        collect_reviews(["  "], None, None, "text", NO_STDIN)
    with pytest.raises(UserError, match="is a folder"):
        collect_reviews([], tmp_path, None, "text", NO_STDIN)
    with pytest.raises(UserError, match="standard input"):
        collect_reviews([], None, None, "text", NO_STDIN)


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(raw=st.binary(max_size=300))
def test_any_bytes_give_reviews_or_a_user_error(raw: bytes) -> None:
    for read in (
        lambda: read_lines(raw, "f.txt"),
        lambda: read_review_csv(raw, "f.csv", "text"),
        lambda: read_labelled(raw, "f.txt"),
    ):
        try:
            result = read()
        except UserError:
            continue
        texts = result.texts if isinstance(result, Reviews) else result
        assert all(isinstance(t, str) and t.strip() for t in texts)
        assert all("\ufffd" not in t or "\ufffd".encode() in raw for t in texts)


@PROPERTY
@given(text=st.text(max_size=200), label=st.sampled_from(["0", "1", "pos", "x", ""]))
def test_any_text_lines_give_labelled_reviews_or_a_user_error(text: str, label: str) -> None:
    raw = f"{text}\t{label}\n{text},{label}\n".encode("utf-8", "surrogatepass")
    try:
        reviews = read_labelled(raw, "f.txt")
    except UserError:
        return
    assert len(reviews.texts) == len(reviews.labels) > 0
    assert set(reviews.labels.tolist()) <= {0, 1}
