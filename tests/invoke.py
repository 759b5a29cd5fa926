"""Running a CLI in-process, as the tests do: the Typer app, real arguments, errors not caught."""

from __future__ import annotations

from typing import Any

from typer.testing import CliRunner


def oncall(*args: str, env: dict[str, str] | None = None) -> Any:
    """``oncall ARGS`` in-process; exceptions the CLI does not handle propagate."""
    from oncall.cli.app import app

    return CliRunner().invoke(app, list(args), catch_exceptions=False, env=env)


def pipeline(*args: str, env: dict[str, str] | None = None) -> Any:
    """``pipeline ARGS`` in-process; exceptions the CLI does not handle propagate."""
    from pipelines.cli import app

    return CliRunner().invoke(app, list(args), catch_exceptions=False, env=env)
