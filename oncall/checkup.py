"""``oncall validate``: every file of a workspace, the configuration and what the CLI wrote."""

from __future__ import annotations

from oncall.config.workspace import Workspace
from oncall.errors import ConfigError, Problem


def check_workspace(workspace: Workspace) -> list[Problem | str]:
    """Every problem of the workspace: configuration files first, then per rotation the state
    the commands write (swaps, published weeks, the calendar ledger, hand-off items)."""
    from oncall.calendar.ledger import validate_ledger
    from oncall.incident.items import load_items
    from oncall.rotation.store import validate_state

    problems = workspace.validate()
    for rotation_id in workspace.rotation_ids():
        problems.extend(validate_state(workspace, rotation_id))
        problems.extend(validate_ledger(workspace, rotation_id))
        try:
            load_items(workspace, rotation_id)
        except ConfigError as error:
            problems.extend(error.problems)
    return list(dict.fromkeys(problems))
