from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from apps.cli import app
from apps.titanic.config import APP

runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, ["titanic", *map(str, args)])


@pytest.mark.parametrize("command", ["download", "cv", "train", "evaluate", "predict", "lr-find"])
def test_every_command_has_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_app_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("download", "cv", "train", "evaluate", "predict", "lr-find"):
        assert command in result.output


def test_train_predict_end_to_end(train_csv: Path, test_csv: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    data = ("--train-csv", train_csv, "--test-csv", test_csv)
    trained = run(
        "train", *data, "--epochs", 2, "--batch-size", 16, "--hidden", "8,4", "--runs-dir", runs
    )
    assert trained.exit_code == 0, trained.output
    assert "test/accuracy" in trained.output
    assert "Run folder" in trained.output
    (run_dir,) = (runs / "titanic").glob("2*")
    assert json.loads((run_dir / "model.json").read_text())["model_args"]["hidden"] == [8, 4]

    predicted = run("predict", "--runs-dir", runs, "--csv", test_csv, "--json")
    assert predicted.exit_code == 0, predicted.output
    rows = json.loads(predicted.output)
    assert len(rows) == 20
    assert all(0.0 <= r["survival_probability"] <= 1.0 for r in rows)


@pytest.mark.parametrize("with_target", [True, False])
def test_predict_csv_writes_probabilities(
    trained_run: Path, test_csv: Path, tmp_path: Path, with_target: bool
) -> None:
    source = pd.read_csv(test_csv)
    if not with_target:
        source = source.drop(columns=["Survived"])
    path, out = tmp_path / "in.csv", tmp_path / "out.csv"
    source.to_csv(path, index=False)
    result = run("predict", "--run-dir", trained_run, "--csv", path, "--out", out)
    assert result.exit_code == 0, result.output
    assert "Wrote 20 predictions" in result.output
    table = pd.read_csv(out)
    assert list(table.columns) == ["predicted", "survival_probability", *source.columns]
    assert table["survival_probability"].between(0, 1).all()
    assert (
        table["predicted"].tolist() == (table["survival_probability"] >= 0.5).astype(int).tolist()
    )
    assert table["Pclass"].tolist() == source["Pclass"].tolist()
    assert table["PassengerId"].tolist() == source["PassengerId"].tolist()


def test_predict_one_passenger_from_options(trained_run: Path) -> None:
    options = ("--pclass", 1, "--sex", "female", "--age", 30, "--fare", 80, "--embarked", "C")
    result = run(
        "predict", "--run-dir", trained_run, *options, "--name", "Doe, Mrs. Jane", "--json"
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert 0.0 <= row["survival_probability"] <= 1.0
    assert row["predicted"] == int(row["survival_probability"] >= 0.5)
    table = run("predict", "--run-dir", trained_run, "--pclass", 3, "--sex", "male")
    assert table.exit_code == 0, table.output
    assert "Predictions" in table.output


def bad_csv(tmp_path: Path, test_csv: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.csv"
    df = pd.read_csv(test_csv)
    if kind == "age":
        df.loc[3, "Age"] = -5
        df.to_csv(path, index=False)
    elif kind == "no_sex":
        df.drop(columns=["Sex"]).to_csv(path, index=False)
    elif kind == "empty":
        path.write_text("")
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--pclass", 3, "--sex", "male", "--age", -5), "Age must be between 0 and 120"),
        (("--pclass", 3, "--sex", "x"), "Sex must be one of male, female"),
        (("--pclass", 4, "--sex", "male"), "Pclass must be one of 1, 2, 3"),
        (("--csv", "{age}"), "age.csv: Age must be between 0 and 120 (row 4: -5)"),
        (("--csv", "{no_sex}"), "missing the column(s) Sex"),
        (("--csv", "{empty}"), "empty.csv is empty"),
        (("--csv", "{missing}"), "CSV file not found"),
        (("--age", 30), "Give --csv FILE, or describe a passenger"),
        (("--sex", "female"), "Give --csv FILE, or describe a passenger"),
        (("--csv", "{age}", "--pclass", 1), "not both (--pclass)"),
        (("--csv", "{age}", "--sibsp", 2), "not both (--sibsp)"),
    ],
)
def test_predict_bad_input_exits_2_and_writes_nothing(
    trained_run: Path, test_csv: Path, tmp_path: Path, args: tuple, message: str
) -> None:
    paths = {k: bad_csv(tmp_path, test_csv, k) for k in ("age", "no_sex", "empty", "missing")}
    args = tuple(str(a).format(**paths) for a in args)
    out = tmp_path / "out.csv"
    result = run("predict", "--run-dir", trained_run, *args, "--out", out)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_no_trained_run_says_how_to_train(command: str, tmp_path: Path) -> None:
    extra = ("--pclass", 3, "--sex", "male") if command == "predict" else ()
    result = run(command, "--runs-dir", tmp_path, *extra)
    assert result.exit_code == 2
    assert "refapps titanic train" in result.output
    assert "Traceback" not in result.output


def test_train_bad_csv_exits_2(test_csv: Path, tmp_path: Path) -> None:
    bad = bad_csv(tmp_path, test_csv, "no_sex")
    result = run("train", "--train-csv", bad, "--test-csv", test_csv, "--runs-dir", tmp_path)
    assert result.exit_code == 2
    assert "missing the column(s) Sex" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("kind", "message"), [("semicolons", "separator looks like ';'"),
                                               ("empty", "is empty")])  # fmt: skip
def test_train_refuses_a_bad_test_csv_before_making_a_run(
    train_csv: Path, test_csv: Path, tmp_path: Path, kind: str, message: str
) -> None:
    bad = bad_csv(tmp_path, test_csv, kind)
    if kind == "semicolons":
        pd.read_csv(test_csv).to_csv(bad, index=False, sep=";")
    result = run("train", "--train-csv", train_csv, "--test-csv", bad, "--runs-dir", tmp_path)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "titanic").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--hidden", "8,x"), "--hidden takes comma-separated widths"),
        (("--dropout", 1), "--dropout"),
    ],
)
def test_train_bad_options_exit_2(
    train_csv: Path, tmp_path: Path, args: tuple, message: str
) -> None:
    result = run(
        "train", *args, "--train-csv", train_csv, "--test-csv", train_csv, "--runs-dir", tmp_path
    )
    assert result.exit_code == 2
    assert message in result.output


def test_train_on_all_uses_both_splits(train_csv: Path, test_csv: Path, tmp_path: Path) -> None:
    data = ("--train-csv", train_csv, "--test-csv", test_csv, "--runs-dir", tmp_path)
    small = ("--epochs", 1, "--hidden", 4, "--num-models", 1)
    result = run("train", *data, *small, "--train-on-all")
    assert result.exit_code == 0, result.output
    assert "in-sample" in result.output
    (run_dir,) = (tmp_path / "titanic").glob("2*")
    meta = json.loads((run_dir / "model.json").read_text())
    assert meta["num_train"] == 60  # 40 train + 20 test
    assert meta["train_on_all"] is True
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert "in_sample/accuracy" in metrics
    assert not any(key.startswith("test/") for key in metrics)
    curve = (run_dir / "history.csv").read_text().splitlines()[0].split(",")
    assert "in_sample/loss" in curve  # the per-epoch curve is in-sample too, and says so
    assert not any(key.startswith(("val/", "test/")) for key in curve)


def test_non_utf8_name_is_a_clear_error(trained_run: Path) -> None:
    name = b"Dupr\xe9, Mr. Jean".decode("utf-8", "surrogateescape")
    result = run(
        "predict", "--run-dir", trained_run, "--pclass", 3, "--sex", "male", "--name", name
    )
    assert result.exit_code == 2
    assert "--name is not valid UTF-8" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("option", ["--out", "--kaggle"])
def test_output_that_is_a_folder_is_a_user_error(
    trained_run: Path, test_csv: Path, tmp_path: Path, option: str
) -> None:
    result = run("predict", "--run-dir", trained_run, "--csv", test_csv, option, tmp_path)
    assert result.exit_code == 2
    assert "is a folder" in result.output
    assert "Traceback" not in result.output


def test_lr_find_sweeps_the_default_model_and_writes_the_plot(
    train_csv: Path, test_csv: Path, tmp_path: Path, monkeypatch
) -> None:
    from apps.titanic import data

    # the fake CSVs are not the sha256-verified defaults, so stand in for the download
    monkeypatch.setattr(data, "download", lambda data_dir=None: [train_csv, test_csv])
    result = run("lr-find", "--runs-dir", tmp_path)
    assert result.exit_code == 0, result.output
    assert "Suggested learning rate" in result.output
    assert (tmp_path / APP / "lr_find.png").stat().st_size > 0


def test_predict_out_and_json_are_both_honoured(
    trained_run: Path, test_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.csv"
    result = run("predict", "--run-dir", trained_run, "--csv", test_csv, "--out", out, "--json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)) == 20  # only JSON on stdout, for machines
    assert len(pd.read_csv(out)) == 20
