"""evaluate --other-reviews: labelled files from elsewhere, read strictly and scored alike."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from apps.cli import app
from apps.imdb.extras.other_reviews import label_metrics, read_labelled
from common.errors import UserError

runner = CliRunner()

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_label_metrics_per_class_and_positive_rate() -> None:
    probs, labels = np.array([0.1, 0.3, 0.62, 0.65, 0.9]), np.array([0, 0, 0, 1, 1])
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
    with pytest.raises(UserError, match="is empty"):
        read_labelled(b"fine\t1\n \t0\n", "blank.txt")


def test_cli_scores_other_reviews_with_a_run_trained_on_snippets(
    data_root: Path, tmp_path: Path
) -> None:
    runs = ["--runs-dir", str(tmp_path / "runs")]
    tiny = ["--vocab-size", "200", "--min-frequency", "1", "--num-buckets", "1009"]
    args = [*tiny, "--min-ngram-reviews", "1", "--snippets-per-review", "1", *runs]
    result = runner.invoke(app, ["imdb", "train", *args])
    assert result.exit_code == 0, result.output
    other = data_root / "imdb" / "other_reviews" / "yelp_labelled.txt"
    result = runner.invoke(
        app, ["imdb", "evaluate", *runs, "--other-reviews", str(other), "--json"]
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert {"yelp/accuracy", "yelp/positive_rate", "yelp/negative_accuracy"} <= scores.keys()
    assert scores["yelp/num_samples"] == 8
    meta = json.loads(next((tmp_path / "runs").glob("imdb/*/model.json")).read_text())
    assert meta["num_train_snippets"] > 0  # --snippets-per-review 1 reached the data


@PROPERTY
@given(raw=st.binary(max_size=300))
def test_any_bytes_give_labelled_reviews_or_a_user_error(raw: bytes) -> None:
    try:
        reviews = read_labelled(raw, "f.txt")
    except UserError:
        return
    assert all(isinstance(t, str) and t.strip() for t in reviews.texts)
    assert all("\ufffd" not in t or "\ufffd".encode() in raw for t in reviews.texts)


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
