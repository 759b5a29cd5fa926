"""One error family for both CLIs; the exit code of each kind is decided here and only here.

The core raises these; the CLI layer prints ``lines`` (one per problem) on stderr and exits with
``exit_code``. Nothing below the CLI prints or exits.
"""

from __future__ import annotations

from oncall.frozen import frozen


@frozen
class Problem:
    """One thing wrong with one input: ``file: field.path: message``."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.field) if p]
        return ": ".join([*parts, self.message])


class OncallError(Exception):
    """Base of every error the CLIs report as a clean message instead of a traceback."""

    exit_code = 1

    def __init__(self, *lines: str | Problem) -> None:
        self.lines = [str(line) for line in lines]
        super().__init__("\n".join(self.lines))


class RuntimeFailure(OncallError):
    """A failure at run time the command reports: a port in use, a file it cannot write."""

    exit_code = 1


class UsageError(OncallError):
    """Bad usage or bad input on the command line: unknown ids, impossible dates.

    ``option`` names the input at fault by its parameter name (``until``), never as a CLI
    spells it: the CLI shows ``--until: <message>``, other callers show the message."""

    exit_code = 2

    def __init__(self, *lines: str | Problem, option: str | None = None) -> None:
        self.option = option
        super().__init__(*lines)


class ConfigError(OncallError):
    """Bad configuration: one problem per invalid field of a workspace file."""

    exit_code = 2

    def __init__(self, *problems: str | Problem) -> None:
        self.problems = list(problems)
        super().__init__(*problems)


class DataError(OncallError):
    """The data could not be read, or Spark failed (``pipeline`` exit code 3)."""

    exit_code = 3
