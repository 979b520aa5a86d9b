"""--country: the tutorial model trained and forecast on one JHU country."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apps.cli import app
from apps.covid_forecast.config import DataConfig
from apps.covid_forecast.extras.jhu_country import read_country_counts
from common.errors import UserError

from ..conftest import growing_jhu, write_jhu

runner = CliRunner()


def test_data_config_stores_absolute_paths(tmp_path: Path, monkeypatch) -> None:
    rows = [("A", "Xland", 5, 6, 7), ("B", "Xland", 1, 1, 2)]
    folder = write_jhu(tmp_path / "jhu", {"confirmed": rows, "deaths": rows})
    monkeypatch.chdir(tmp_path)
    cfg = DataConfig(jhu_dir=Path("jhu"), country="Xland", window=2)
    assert cfg.jhu_dir == folder.resolve()
    assert cfg.jhu_dir.is_absolute()
    with pytest.raises(UserError, match="Need at least"):
        read_country_counts(cfg)  # three days are too few, but the country was found


@pytest.fixture(scope="module")
def country_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("country")
    growing_jhu(root / "jhu", num_days=40)
    tiny = ["--epochs", "2", "--members", "1", "--hidden-size", "4"]
    args = ["covid_forecast", "train", "--country", "Italy", "--jhu-dir", str(root / "jhu")]
    trained = runner.invoke(app, [*args, *tiny, "--runs-dir", str(root / "runs")])
    assert trained.exit_code == 0, trained.output
    (run_dir,) = (root / "runs" / "covid_forecast").glob("2*")
    return run_dir


def test_forecast_reads_the_runs_country_or_another_folder(country_run: Path) -> None:
    other = growing_jhu(country_run.parents[2] / "other", num_days=50)  # ten more days
    out = country_run.parents[2] / "f.csv"
    args = ["covid_forecast", "forecast", "--run-dir", str(country_run), "--days", "5"]
    result = runner.invoke(app, [*args, "--jhu-dir", str(other), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 1 + 49 + 5  # the other folder's days were read


def test_a_folder_without_the_recovered_file_is_named(country_run: Path) -> None:
    partial = country_run.parents[2] / "partial"
    shutil.copytree(country_run.parents[2] / "jhu", partial)
    (partial / "time_series_covid19_recovered_global.csv").unlink()
    args = ["covid_forecast", "forecast", "--run-dir", str(country_run), "--jhu-dir", str(partial)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "time_series_covid19_recovered_global.csv not found" in result.output
    assert "cured_num" in result.output
