"""Per-invocation state shared by the commands: the ``--workspace`` option, resolved lazily."""

from __future__ import annotations

from pathlib import Path

import typer

from oncall.config.workspace import Workspace, resolve_workspace


class CliState:
    """What the top-level callback parsed; the workspace is found on first use (a plain class:
    a dataclass would cost every command its import-time compile, see ``oncall.frozen``)."""

    def __init__(self, workspace_option: Path | None = None) -> None:
        self.workspace_option = workspace_option
        self._workspace: Workspace | None = None

    def workspace(self) -> Workspace:
        if self._workspace is None:
            self._workspace = resolve_workspace(self.workspace_option)
        return self._workspace


def workspace(ctx: typer.Context) -> Workspace:
    """The workspace of this invocation (``--workspace``, ``ONCALL_WORKSPACE``, or ancestors)."""
    state = ctx.find_object(CliState)
    if state is None:
        state = CliState()
        ctx.obj = state
    return state.workspace()
