"""Reading the review folders, the tokenizer, the n-gram features and their batches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from apps.imdb.data import (
    PAD_ID,
    UNK_ID,
    encode,
    load_tokenizer,
    ngram_features,
    read_folder,
    split_train_val,
    train_tokenizer,
)
from apps.imdb.model import build_model
from common.batches import TensorBatches
from common.errors import UserError

CORPUS = ["A great film.<br />Great!", "An AWFUL film, truly awful.", "Ｆｉｌｍ great"]


def test_read_folder_reads_labels_negatives_first(data_root: Path) -> None:
    split_dir = data_root / "imdb" / "aclImdb" / "train"
    first = read_folder(split_dir)
    assert len(first.texts) == 32
    assert first.labels.tolist() == [0] * 16 + [1] * 16
    (split_dir / "pos" / "99_9.txt").write_text("new review", encoding="utf-8")
    second = read_folder(split_dir)
    assert len(second.texts) == 33
    assert "new review" in second.texts[16:]  # among the positives


def test_read_folder_without_reviews_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="refapps imdb download"):
        read_folder(tmp_path)


def test_split_train_val_is_stratified(data_root: Path) -> None:
    reviews = read_folder(data_root / "imdb" / "aclImdb" / "train")
    train, val = split_train_val(reviews, 0.25, seed=0)
    assert val is not None
    assert len(val.labels) == 8
    assert val.labels.sum() == 4
    assert len(train.labels) == 24


def test_tokenizer_normalises_and_round_trips(tmp_path: Path) -> None:
    tokenizer = train_tokenizer(CORPUS, vocab_size=100, min_frequency=1)
    tokens = tokenizer.encode("Great <br /> FILM").tokens
    assert tokens == ["great", "film"]  # tag dropped, lowercased
    assert tokenizer.encode("Ｆｉｌｍ").tokens == ["film"]  # NFKC folds full-width letters
    assert tokenizer.token_to_id("[PAD]") == PAD_ID
    assert tokenizer.token_to_id("[UNK]") == UNK_ID
    assert tokenizer.encode("zebra").ids == [UNK_ID]  # unseen word
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    again = load_tokenizer(tmp_path)
    assert again.encode("an awful film").ids == tokenizer.encode("an awful film").ids


def test_tokenised_text_reads_like_raw_text() -> None:
    tokenizer = train_tokenizer(CORPUS, vocab_size=100, min_frequency=1)
    pairs = [
        ("I do n't like it .", "I don't like it."),
        ("it 's great , does n 't matter", "It's great, doesn't matter"),
        ("wo n't , ca n't", "won't, can't"),
        ("don 't", "Don\u2019t"),  # a tokenised split, and a typographic apostrophe
    ]

    def words(text: str) -> list[str]:
        normalised = tokenizer.normalizer.normalize_str(text)
        return [word for word, _ in tokenizer.pre_tokenizer.pre_tokenize_str(normalised)]

    for tokenised, raw in pairs:
        assert words(tokenised) == words(raw), raw
    assert words("I do n't") == ["i", "don", "'", "t"]
    assert words("rock n roll") == ["rock", "n", "roll"]  # a lone n stays


def test_encode_truncates_and_batches_cut_flat_rows() -> None:
    tokenizer = train_tokenizer(CORPUS, vocab_size=100, min_frequency=1)
    encoded = encode(tokenizer, ["great film great film great", "", "awful"], max_tokens=3)
    assert encoded.lengths.tolist() == [3, 0, 1]
    features, offsets = encoded[torch.tensor([2, 1, 0])]
    assert offsets.tolist() == [0, 1, 1]  # the empty review has no features
    assert features.tolist() == [*encoded.ids[3:4], *encoded.ids[:3]]
    assert encoded[1:3][1].tolist() == [0, 0]  # a slice of rows cuts alike
    batches = TensorBatches(encoded, torch.tensor([1.0, 0.0, 1.0]), 2)  # type: ignore[arg-type]
    assert [y.tolist() for _, y in batches] == [[1.0, 0.0], [1.0]]  # in order without a generator


def test_ngram_features_are_binarised_and_stay_in_their_review() -> None:
    tokenizer = train_tokenizer(CORPUS, vocab_size=100, min_frequency=1)
    encoded = encode(tokenizer, ["great great great", "film", ""], max_tokens=10)
    v = tokenizer.get_vocab_size()
    features = ngram_features(encoded, v, num_buckets=101)
    # review 0: the unigram, one bigram, one trigram (repeats counted once); no cross-review n-grams
    assert features.lengths.tolist() == [3, 1, 0]
    assert (features.ids < v + 101).all()
    model = build_model({"vocab_size": v, "num_buckets": 101, "dropout": 0.0})
    model.set_ratios(features, np.array([1, 0, 0]), min_reviews=1)
    great = tokenizer.token_to_id("great")
    assert model.r[great] > 0 > model.r[tokenizer.token_to_id("film")]
    assert model.keep[great]
    assert not model.keep[tokenizer.token_to_id("awful")]
