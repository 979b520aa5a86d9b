"""An app copied without `extras/` (`refapps new NAME --from APP`): its default commands run,
and an option that needs an extras module says, in one line, how to get it (exit 2)."""

from __future__ import annotations

import sys

import pytest
import typer
from typer.testing import CliRunner

from common import boundary
from common.boundary import needs_extra
from common.cli import handle_user_errors, run_app
from common.errors import UserError


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch, tmp_path):
    monkeypatch.delenv("REFAPPS_DEBUG", raising=False)
    monkeypatch.setenv("REFAPPS_CACHE", str(tmp_path / "cache"))


def _app(body) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @handle_user_errors
    def run() -> None:
        body()

    @app.command()
    def other() -> None:  # a group, as in refapps
        pass

    return app


def _copy_without_extras(tmp_path, monkeypatch):
    """`apps.barcheck`, as `refapps new barcheck --from titanic` (no --with-extras) leaves it:
    its cli.py imports `.extras.kaggle` inside the branch of the option that needs it."""
    import apps

    package = tmp_path / "barcheck"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "cli.py").write_text(
        "def predict(kaggle: bool) -> None:\n"
        "    if kaggle:\n"
        "        from .extras.kaggle import write_submission  # noqa: F401\n"
    )
    monkeypatch.setattr(apps, "__path__", [*apps.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, "apps.barcheck", raising=False)
    from apps.barcheck import cli

    return cli


def test_an_option_whose_extras_were_left_out_says_how_to_get_them(tmp_path, monkeypatch):
    cli = _copy_without_extras(tmp_path, monkeypatch)
    cli.predict(kaggle=False)  # the default command works without extras/
    result = CliRunner().invoke(_app(lambda: cli.predict(kaggle=True)), ["run"])
    assert result.exit_code == 2
    assert result.output.count("Error:") == 1
    line = " ".join(result.output.split())  # one message, however the terminal wraps it
    assert "extras/" in line
    assert "apps/barcheck/extras/" in line
    assert "refapps new NAME --from APP --with-extras" in line
    assert "Unexpected" not in line
    assert not list((tmp_path / "cache" / "logs").glob("error-*.log"))  # not a bug
    sys.argv = ["refapps", "run"]
    app = typer.Typer()
    app.command()(lambda: cli.predict(kaggle=True))
    with pytest.raises(SystemExit) as info:  # the root boundary says the same
        run_app(app)
    assert info.value.code == 2


def test_a_missing_module_elsewhere_is_still_a_bug():
    code, line = boundary.explain(ModuleNotFoundError("No module named 'x'", name="x"))
    assert code == 1
    assert "Unexpected ModuleNotFoundError" in line


def test_a_page_option_whose_extras_were_left_out_says_how_to_get_them(tmp_path, monkeypatch):
    from common.pages import show_page_error

    shown = []
    monkeypatch.setattr("streamlit.error", shown.append)
    err = ModuleNotFoundError("No module named 'apps.barcheck.extras'", name="apps.barcheck.extras")
    show_page_error("Barcheck", err)
    assert "--with-extras" in shown[0]
    assert "ModuleNotFoundError" not in shown[0]


def test_needs_extra_names_what_needed_the_missing_folder() -> None:
    missing = ModuleNotFoundError("No module", name="apps.cifar.extras.tutorial")
    with (
        pytest.raises(UserError, match=r"--model tutorial needs apps/cifar/extras/"),
        needs_extra("cifar", "--model tutorial"),
    ):
        raise missing
    other = ModuleNotFoundError("No module", name="torchvision")  # not a left-out extras/
    with pytest.raises(ModuleNotFoundError), needs_extra("cifar", "--model tutorial"):
        raise other
