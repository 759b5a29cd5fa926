"""The reference in docs/ and the CLIs' ``--help`` name the same commands and options.

Every command of both CLIs has a section ``### `prog command ...` `` in docs/reference.md listing
its options; an option the help shows and the page does not (or the reverse) fails here, and so
does a link between docs pages that leads nowhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.core

from oncall.cli.app import app as oncall_app
from pipelines.cli import app as pipeline_app

DOCS = Path(__file__).resolve().parent.parent / "docs"
_SECTION = re.compile(r"^### `(?P<title>[^`]+)`$", re.M)
_OPTION = re.compile(r"`(--?[a-zA-Z][\w-]*)`")


def commands() -> dict[str, set[str]]:
    """``"oncall cover add"`` -> every option name it accepts (``--help`` aside)."""
    found: dict[str, set[str]] = {}

    def walk(command, path: list[str]) -> None:
        options = {
            name
            for param in command.params
            if isinstance(param, typer.core.TyperOption) and param.name != "help"
            for name in (*param.opts, *param.secondary_opts)
        }
        if isinstance(command, typer.core.TyperGroup):
            if options and len(path) > 1:
                found[" ".join(path)] = options
            for name in command.list_commands(None):
                walk(command.get_command(None, name), [*path, name])
        else:
            found[" ".join(path)] = options

    for prog, app in (("oncall", oncall_app), ("pipeline", pipeline_app)):
        walk(typer.main.get_command(app), [prog])
    return found


def documented() -> dict[str, set[str]]:
    text = (DOCS / "reference.md").read_text(encoding="utf-8")
    sections = list(_SECTION.finditer(text))
    pages: dict[str, set[str]] = {}
    for here, after in zip(sections, [*sections[1:], None], strict=True):
        body = text[here.end() : after.start() if after else len(text)]
        words = here["title"].split()
        name = " ".join(w for w in words if not w.isupper())  # arguments are in capitals
        options = set()
        for line in body.splitlines():
            if line.startswith("- "):
                head = line.split(":", 1)[0]
                options.update(_OPTION.findall(head))
        pages[name] = options
    return pages


def test_every_command_is_documented_and_nothing_else() -> None:
    assert sorted(documented()) == sorted(commands())


@pytest.mark.parametrize("command", sorted(commands()))
def test_options_match_the_help(command: str) -> None:
    assert documented().get(command) == commands()[command]


def test_links_between_docs_pages_resolve() -> None:
    root = DOCS.parent
    for page in [root / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)", page.read_text("utf-8")):
            assert (page.parent / target).resolve().is_file(), f"{page.name}: {target}"
