"""--data-dir and --val-fraction: your own image folders and a held-out validation share."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from apps.cifar.config import DataConfig
from apps.cifar.dispatch import splits_loader
from apps.cifar.extras import folders
from apps.cli import app

from ..conftest import write_folder


def load(cfg: DataConfig):
    return splits_loader(cfg)(cfg, 0)


def test_data_dir_without_test_holds_out_a_validation_share(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "mine", splits=("train",))
    train_set, val_set, test_set = load(DataConfig(data_dir=root))
    assert len(val_set) == round(folders.DEFAULT_VAL_FRACTION * 32)
    assert len(train_set) + len(val_set) == 32
    assert val_set is test_set


def test_val_fraction_holds_out_a_share_of_cifar2_train() -> None:
    train_set, val_set, test_set = load(DataConfig(val_fraction=0.25))
    assert (len(train_set), len(val_set), len(test_set)) == (24, 8, 32)
    assert val_set is not test_set


def test_train_and_test_with_other_classes_are_refused(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "mine")
    (root / "test" / "1_automobile").rename(root / "test" / "2_ship")
    with pytest.raises(Exception, match="must have the same class folders"):
        load(DataConfig(data_dir=root))


def test_bad_data_dir_exits_2_and_names_the_fix(tmp_path: Path) -> None:
    args = ["cifar", "train", "--dry-run", "--data-dir", str(tmp_path), "--runs-dir", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "train/ folder" in result.output
    assert "Traceback" not in result.output
