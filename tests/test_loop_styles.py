"""Each app's `train()` defaults to the loop style its config names, and `--loop` picks another.

The reading path imports only the default style (`common/training/styles.py` names all three
for the front-ends), so the default of `train(loop=...)` and the config's `loop` must agree.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from apps.cifar import cli as cifar_cli
from apps.cifar import config as cifar_config
from apps.cifar import train as cifar_train
from apps.covid_forecast import cli as covid_cli
from apps.covid_forecast import config as covid_config
from apps.covid_forecast import train as covid_train
from apps.imdb import cli as imdb_cli
from apps.imdb import config as imdb_config
from apps.imdb import train as imdb_train
from apps.titanic import cli as titanic_cli
from apps.titanic import config as titanic_config
from apps.titanic import train as titanic_train
from common.runs import RunResult
from common.training.styles import LOOPS, loop_named

APPS = {
    "titanic": (titanic_config, titanic_train, titanic_cli),
    "cifar": (cifar_config, cifar_train, cifar_cli),
    "imdb": (imdb_config, imdb_train, imdb_cli),
    "covid_forecast": (covid_config, covid_train, covid_cli),
}


@pytest.mark.parametrize("app", APPS)
def test_train_defaults_to_the_loop_style_its_config_names(app: str) -> None:
    config, train_module, _ = APPS[app]
    default = inspect.signature(train_module.train).parameters["loop"].default
    assert default is loop_named(config.TRAIN_DEFAULTS.loop)


def test_apps_show_different_default_styles() -> None:
    styles = {app: config.TRAIN_DEFAULTS.loop for app, (config, _, _) in APPS.items()}
    assert styles == {
        "titanic": "script",
        "cifar": "function",
        "imdb": "class",
        "covid_forecast": "class",
    }


def fake_train(calls: list[Any], run_dir: Path) -> Any:
    def train(*args: Any, **kwargs: Any) -> RunResult:
        calls.append(kwargs.get("loop"))
        return RunResult(run_dir, {}, [], 0.0)

    return train


def no_data(monkeypatch: pytest.MonkeyPatch, app: str) -> None:
    """What the CLI reads before `train` (covid's counts, cifar's folder): nothing real."""
    if app == "covid_forecast":
        from apps.covid_forecast import commands

        monkeypatch.setattr(commands, "read_counts", lambda *_: (None, []))
    if app == "cifar":
        from apps.cifar import dispatch

        monkeypatch.setattr(dispatch, "splits_loader", lambda *_: None)


@pytest.mark.parametrize("style", LOOPS)
@pytest.mark.parametrize("app", APPS)
def test_the_loop_option_passes_the_named_style_to_train(
    app: str, style: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _, train_module, cli = APPS[app]
    calls: list[Any] = []
    monkeypatch.setattr(train_module, "train", fake_train(calls, tmp_path))
    no_data(monkeypatch, app)
    result = CliRunner().invoke(cli.app, ["train", "--loop", style, "--runs-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert calls == [LOOPS[style]]


def test_a_resume_trains_on_with_the_style_of_its_run(tmp_path: Path) -> None:
    from common.config import TrainConfig
    from common.files import write_json
    from common.training.styles import loop_of

    (tmp_path / "last.pt").write_bytes(b"")
    write_json(
        tmp_path / "config.json",
        {"app": "x", "data": {}, "model": {}, "train": {"loop": "function", "epochs": 3}},
    )
    assert loop_of(TrainConfig(epochs=None, resume=tmp_path)) is LOOPS["function"]
    assert loop_of(TrainConfig(loop="class")) is LOOPS["class"]
