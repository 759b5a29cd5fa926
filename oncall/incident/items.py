"""Items the team carries from one Monday hand-off to the next.

They live in ``schedules/<rotation-id>/handoff.yaml``, plain YAML people may edit and commit::

    items:
      - id: 1
        text: Ops costs for December still missing; chase them on Wednesday
        added: 2027-01-11
        owner: alice          # optional member id
        closed: null          # the date it was closed

``oncall handoff carry TEXT`` adds one, ``oncall handoff close ID`` closes it; every agenda lists
the items open at its meeting. Writes are atomic and locked, so concurrent commands never lose
an item.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from oncall.config.workspace import Workspace
from oncall.errors import ConfigError, RuntimeFailure, UsageError
from oncall.frozen import strict_keys

ITEMS_FILE = "handoff.yaml"
HEADER = """\
# Items carried from one Monday hand-off to the next, written by `oncall handoff carry` and
# `oncall handoff close ID`. Edit freely: keep `id`, `text` and `added`; `closed` is a date.
"""


@strict_keys
class Item:
    """One carried-over item."""

    id: int
    text: str
    added: date
    owner: str | None = None
    closed: date | None = None

    def open_on(self, day: date) -> bool:
        """Whether the item was open on ``day`` (added by then, not closed before it)."""
        return self.added <= day and (self.closed is None or self.closed > day)


@strict_keys
class ItemsFile:
    items: tuple[Item, ...] = ()


def items_path(workspace: Workspace, rotation_id: str) -> Path:
    return workspace.state_dir(rotation_id) / ITEMS_FILE


def load_items(workspace: Workspace, rotation_id: str) -> tuple[Item, ...]:
    """The items of a rotation; ``ConfigError`` naming file and field if the file is invalid."""
    path = items_path(workspace, rotation_id)
    if not path.is_file():
        return ()
    from oncall.config.validation import Problems, parse_model
    from oncall.config.yamlio import load_yaml

    display = workspace.display(path)
    raw = load_yaml(path, display)
    problems = Problems(display)
    if raw is None:
        return ()
    parsed = parse_model(ItemsFile, raw, problems)
    if parsed is not None:
        seen: dict[int, int] = {}
        for index, item in enumerate(parsed.items):
            if item.id in seen:
                problems.add(
                    f"items[{index}].id", f"duplicate id {item.id} (also items[{seen[item.id]}])"
                )
            seen.setdefault(item.id, index)
            if item.closed is not None and item.closed < item.added:
                problems.add(f"items[{index}].closed", "before added")
    problems.raise_if_any()
    assert parsed is not None
    return parsed.items


def _save(workspace: Workspace, rotation_id: str, items: tuple[Item, ...]) -> None:
    from dataclasses import asdict

    from oncall.config.yamlio import dump_yaml
    from oncall.fsio import atomic_write_text

    # dates stay dates, so YAML shows them unquoted as people write them
    data: dict[str, Any] = {"items": [asdict(item) for item in items]}
    path = items_path(workspace, rotation_id)
    try:
        atomic_write_text(path, HEADER + dump_yaml(data))
    except OSError as error:
        raise RuntimeFailure(
            f"{workspace.display(path)}: cannot write ({error.strerror})"
        ) from None


def carry(
    workspace: Workspace, rotation_id: str, text: str, added: date, owner: str | None = None
) -> Item:
    """Add an open item; ``UsageError`` for empty text or an owner not in the rotation."""
    rotation = workspace.rotation(rotation_id)
    if not text.strip():
        raise UsageError("TEXT: must not be empty")
    if owner is not None and rotation.member(owner) is None:
        known = ", ".join(m.id for m in rotation.members)
        raise UsageError(
            f"unknown member {owner!r} of {rotation_id} (known: {known})", option="owner"
        )
    with _locked(workspace, rotation_id):
        items = load_items(workspace, rotation_id)
        item = Item(max((i.id for i in items), default=0) + 1, text.strip(), added, owner)
        _save(workspace, rotation_id, (*items, item))
    return item


@contextmanager
def _locked(workspace: Workspace, rotation_id: str) -> Iterator[None]:
    """The items file's lock; ``RuntimeFailure`` in one line when it cannot be taken (a
    read-only ``schedules/``, a file where the rotation's state folder should be)."""
    from oncall.fsio import locked

    path = items_path(workspace, rotation_id)
    with ExitStack() as stack:
        try:
            stack.enter_context(locked(path))
        except OSError as error:
            raise RuntimeFailure(
                f"{workspace.display(path)}: cannot write ({error.strerror or error})"
            ) from None
        yield


def close(workspace: Workspace, rotation_id: str, item_id: int, closed: date) -> Item:
    """Close an item; ``UsageError`` for an unknown or already closed id."""
    workspace.rotation(rotation_id)
    with _locked(workspace, rotation_id):
        items = load_items(workspace, rotation_id)
        found = next((i for i in items if i.id == item_id), None)
        if found is None:
            known = ", ".join(str(i.id) for i in items if i.closed is None) or "none open"
            raise UsageError(f"ID: no item {item_id} in {rotation_id} (open: {known})")
        if found.closed is not None:
            raise UsageError(f"ID: item {item_id} was closed on {found.closed.isoformat()}")
        updated = replace(found, closed=max(closed, found.added))
        _save(workspace, rotation_id, tuple(updated if i.id == item_id else i for i in items))
    return updated


__all__ = ["ConfigError", "Item", "carry", "close", "load_items"]
