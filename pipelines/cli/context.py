"""What every ``pipeline`` command knows of the top-level options: the workspace and ``--quiet``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import typer

from oncall.cli.base import err_console
from oncall.cli.context import CliState
from oncall.errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from oncall.config.workspace import Workspace


class PipelineState(CliState):
    """The top-level options: the workspace (found lazily, for runbooks) and ``--quiet``."""

    def __init__(self, workspace_option: Path | None = None, quiet: bool = False) -> None:
        super().__init__(workspace_option)
        self.quiet = quiet


def state(ctx: typer.Context) -> PipelineState:
    """The top-level options of this invocation (defaults when a command is invoked alone)."""
    found = ctx.find_object(PipelineState)
    return found if found is not None else PipelineState()


def optional_workspace(settings: PipelineState) -> Workspace | None:
    """The workspace if there is one; None when none was given and none is found around (one
    given with ``--workspace`` or ``ONCALL_WORKSPACE`` that is not valid is an error)."""
    import os

    from oncall.config.workspace import WORKSPACE_VARIABLE

    try:
        return settings.workspace()
    except UsageError:
        if settings.workspace_option is not None or os.environ.get(WORKSPACE_VARIABLE):
            raise
    return None


def announce(quiet: bool) -> Callable[[str], None]:
    """A function printing one plain line on stderr, or nothing with ``--quiet``."""

    def note(message: str) -> None:
        if not quiet:
            err_console().print(message, markup=False, highlight=False)

    return note
