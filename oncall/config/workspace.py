"""Finding the workspace and loading its files, each validated once and cached until it changes.

A workspace is a folder with ``schedules/`` (one ``<rotation-id>.yaml`` per rotation, plus
``teams.yaml``; CLI-written state of a rotation goes in ``schedules/<rotation-id>/``) and
``runbooks/`` (one ``<pipeline-id>.yaml`` per pipeline).

Files are loaded lazily and individually, so an incident command needs only the files it reads
to be valid. Validated models are cached on disk (``oncall.cache``) keyed by each file's stamp,
which keeps pydantic and the holidays package off the path of every command after the first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from oncall.cache import StampedCache, code_stamp, file_stamp
from oncall.config import catalog
from oncall.config.models import Rotation, Runbook, Teams
from oncall.errors import ConfigError, OncallError, Problem, UsageError

WORKSPACE_VARIABLE = "ONCALL_WORKSPACE"
TEAMS_FILE = "teams.yaml"
T = TypeVar("T")

_HERE = Path(__file__).resolve().parent
_CODE_FILES = [
    str(_HERE / name)
    for name in (
        "models.py",
        "validation.py",
        "yamlio.py",
        "catalog.py",
        "limits.py",
        "workspace.py",
    )
]


def resolve_workspace(option: Path | None = None, cwd: Path | None = None) -> Workspace:
    """``--workspace``, else ``ONCALL_WORKSPACE``, else the nearest ancestor with runbooks/ or
    schedules/ (docs/workspace.md)."""
    for value, source in ((option, "--workspace"), (os.environ.get(WORKSPACE_VARIABLE), None)):
        if value:
            path = Path(value).expanduser()
            if not path.is_dir():
                raise UsageError(f"{source or WORKSPACE_VARIABLE}: {value} is not a folder")
            return Workspace(path.resolve())
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "runbooks").is_dir() or (folder / "schedules").is_dir():
            return Workspace(folder)
    raise UsageError(
        "no workspace found: pass --workspace DIR, set ONCALL_WORKSPACE, or run inside a folder "
        "holding runbooks/ or schedules/"
    )


class Workspace:
    """The files of one workspace, validated on first use."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.schedules_dir = self.root / "schedules"
        self.runbooks_dir = self.root / "runbooks"
        self._cache: StampedCache | None = None
        self._loaded: dict[str, Any] = {}
        #: answer from the last version of a file that validated when the file no longer does
        #: (``whois`` and ``handoff`` in an incident); one line per file used so in ``fallbacks``
        self.lenient = False
        self.fallbacks: list[str] = []
        self._last_valid: StampedCache | None = None
        self._fresh: set[str] = set()  # files validated afresh by this process

    # --- naming ---------------------------------------------------------------------------

    def display(self, path: Path) -> str:
        """A path as people see it in messages: relative to the workspace."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def rotation_path(self, rotation_id: str) -> Path:
        return self.schedules_dir / f"{rotation_id}.yaml"

    def runbook_path(self, pipeline_id: str) -> Path:
        return self.runbooks_dir / f"{pipeline_id}.yaml"

    @property
    def teams_path(self) -> Path:
        return self.schedules_dir / TEAMS_FILE

    def state_dir(self, rotation_id: str) -> Path:
        """Where CLI-written state of a rotation lives (swaps, published weeks, notes)."""
        return self.schedules_dir / rotation_id

    def rotation_ids(self) -> list[str]:
        """Ids of the rotations in ``schedules/``, sorted."""
        return _stems(self.schedules_dir, exclude={TEAMS_FILE})

    def runbook_ids(self) -> list[str]:
        """Ids of the runbooks in ``runbooks/``, in the catalog's pipeline order."""
        ids = _stems(self.runbooks_dir)
        order = {pipeline: index for index, pipeline in enumerate(catalog.PIPELINE_IDS)}
        return sorted(ids, key=lambda i: (order.get(i, len(order)), i))

    # --- loading ---------------------------------------------------------------------------

    def rotation(self, rotation_id: str) -> Rotation:
        """The validated rotation ``rotation_id``; ``UsageError`` if there is no such file."""
        path = self.rotation_path(rotation_id)
        if rotation_id == TEAMS_FILE.removesuffix(".yaml") or not path.is_file():
            raise UsageError(_unknown("rotation", rotation_id, self.rotation_ids()))

        def validate(raw: Any) -> Rotation:
            from oncall.config.validation import validate_rotation

            return validate_rotation(raw, rotation_id, self.display(path))

        return self._validated(path, validate, self._rotation_references)

    def teams(self) -> Teams | None:
        """The validated teams file, or None if the workspace has none."""
        if not self.teams_path.is_file():
            return None

        def validate(raw: Any) -> Teams:
            from oncall.config.validation import validate_teams

            return validate_teams(raw, self.display(self.teams_path))

        return self._validated(self.teams_path, validate, self._teams_references)

    def runbook(self, pipeline_id: str) -> Runbook:
        """The validated runbook of ``pipeline_id``; ``UsageError`` if there is none."""
        path = self.runbook_path(pipeline_id)
        if not path.is_file():
            raise UsageError(_unknown("pipeline", pipeline_id, self.runbook_ids()))

        def validate(raw: Any) -> Runbook:
            from oncall.config.validation import validate_runbook

            return validate_runbook(raw, pipeline_id, self.display(path))

        return self._validated(path, validate, self._runbook_references)

    def runbooks(self) -> list[Runbook]:
        """Every runbook, in pipeline order; all problems of all of them in one ``ConfigError``."""
        return _collect(self.runbook, self.runbook_ids())

    def rotations(self) -> list[Rotation]:
        """Every rotation; all problems of all of them in one ``ConfigError``."""
        return _collect(self.rotation, self.rotation_ids())

    def validate(self) -> list[Problem | str]:
        """Every problem of every file of the workspace (empty when all is valid)."""
        problems: list[Problem | str] = []
        if not self.schedules_dir.is_dir() and not self.runbooks_dir.is_dir():
            return [f"{self.root}: neither schedules/ nor runbooks/ found"]
        steps: list[Callable[[], Any]] = [self.teams]
        steps += [partial(self.rotation, r) for r in self.rotation_ids()]
        steps += [partial(self.runbook, p) for p in self.runbook_ids()]
        for step in steps:
            try:
                step()
            except ConfigError as error:
                problems.extend(error.problems)
        for stray in sorted(self.runbooks_dir.glob("*.yml")) + sorted(
            self.schedules_dir.glob("*.yml")
        ):
            problems.append(Problem(self.display(stray), "", "use the .yaml extension"))
        # a broken teams file surfaces through every file that names a team: report it once
        return list(dict.fromkeys(problems))

    # --- references across files ----------------------------------------------------------

    def _team_problems(self, file: str, field: str, name: str | None) -> list[Problem]:
        if name is None:
            return []
        teams = self.teams()
        if teams is None:
            return [
                Problem(file, field, f"names team {name!r} but schedules/{TEAMS_FILE} is missing")
            ]
        if teams.get(name) is None:
            from oncall.config.validation import did_you_mean

            suggestion = did_you_mean(name, [t.name for t in teams.teams])
            return [Problem(file, field, f"unknown team {name!r}{suggestion}")]
        return []

    def _rotation_references(self, rotation: Rotation) -> list[Problem]:
        return self._team_problems(
            self.display(self.rotation_path(rotation.id)), "team", rotation.team
        )

    def _teams_references(self, teams: Teams) -> list[Problem]:
        problems = []
        for index, team in enumerate(teams.teams):
            if team.rotation and not self.rotation_path(team.rotation).is_file():
                problems.append(
                    Problem(
                        self.display(self.teams_path),
                        f"teams[{index}].rotation",
                        _unknown("rotation", team.rotation, self.rotation_ids()),
                    )
                )
        return problems

    def _runbook_references(self, runbook: Runbook) -> list[Problem]:
        file = self.display(self.runbook_path(runbook.id))
        problems: list[Problem] = []
        named: list[tuple[str, str | None]] = []
        named += [(f"owners.primary[{i}]", n) for i, n in enumerate(runbook.owners.primary)]
        named += [(f"owners.secondary[{i}]", n) for i, n in enumerate(runbook.owners.secondary)]
        named += [(f"on_call.support[{i}]", n) for i, n in enumerate(runbook.on_call.support)]
        named += [
            (f"data_sources[{i}].provided_by", s.provided_by)
            for i, s in enumerate(runbook.data_sources)
        ]
        named += [
            (f"sla.deadlines[{i}].owner", d.owner) for i, d in enumerate(runbook.sla.deadlines)
        ]
        for field, name in named:
            problems += self._team_problems(file, field, name)
        rotation_id = runbook.on_call.rotation
        if rotation_id is not None and (
            rotation_id == TEAMS_FILE.removesuffix(".yaml")
            or not self.rotation_path(rotation_id).is_file()
        ):
            problems.append(
                Problem(
                    file, "on_call.rotation", _unknown("rotation", rotation_id, self.rotation_ids())
                )
            )
        return problems

    # --- the last version that validated ----------------------------------------------------

    def _validated(
        self, path: Path, validate: Callable[[Any], T], references: Callable[[T], list[Problem]]
    ) -> T:
        """The file at ``path`` through ``validate``, its references to other files checked."""

        def load() -> T:
            value = self._load(path, validate)
            _raise_all(references(value))
            return value

        return self._checked(path, load, validate)

    def _checked(self, path: Path, load: Callable[[], T], validate: Callable[[Any], T]) -> T:
        """``load()``, remembering the file's text when it validates; when it does not and the
        workspace is ``lenient``, the last text that validated instead (with a line in
        ``fallbacks``); with no such text, the problems as always."""
        try:
            value = load()
        except ConfigError as error:
            if not self.lenient:
                raise
            found = self._last_valid_cache().entries.get(str(path))
            if found is None:
                raise
            from oncall.config.yamlio import parse_yaml

            try:
                value = validate(parse_yaml(found[1], self.display(path)))
            except ConfigError:
                raise error from None
            first = error.problems[0] if error.problems else None
            problem = str(first) if first is not None else "invalid"
            line = (
                f"{problem} (answering from the last version that validated; "
                f"fix it: `oncall validate`)"
            )
            if line not in self.fallbacks:
                self.fallbacks.append(line)
            return value
        if str(path) in self._fresh:  # a cached value was remembered when it was validated
            self._remember(path)
        return value

    def _last_valid_cache(self) -> StampedCache:
        if self._last_valid is None:
            # keyed by file text, not by code: an upgrade keeps the last valid copies
            self._last_valid = StampedCache("last-valid", str(self.root.resolve()), ())
        return self._last_valid

    def _remember(self, path: Path) -> None:
        """Keep the text of ``path`` (which just validated) unless it is already kept."""
        stamp = file_stamp(path)
        cache = self._last_valid_cache()
        if cache.entries.get(str(path), (None,))[0] == stamp:
            return
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return
        cache.put(str(path), stamp, text)
        cache.save()

    # --- the cache -------------------------------------------------------------------------

    def _load(self, path: Path, validate: Callable[[Any], T]) -> T:
        key = str(path)
        if key in self._loaded:
            return self._loaded[key]
        stamp = file_stamp(path)
        if self._cache is None:
            self._cache = StampedCache(
                "workspace", str(self.root.resolve()), code_stamp(*_CODE_FILES)
            )
        value = self._cache.get(key, stamp)
        if value is None:
            from oncall.config.yamlio import load_yaml

            value = validate(load_yaml(path, self.display(path)))
            self._fresh.add(key)
            self._cache.put(key, stamp, value)
            self._cache.save()
        self._loaded[key] = value
        return value


def _stems(folder: Path, exclude: Iterable[str] = ()) -> list[str]:
    if not folder.is_dir():
        return []
    skip = set(exclude)
    return sorted(p.stem for p in folder.glob("*.yaml") if p.is_file() and p.name not in skip)


def _unknown(kind: str, value: str, known: list[str]) -> str:
    listed = ", ".join(known) if known else "none"
    return f"unknown {kind} {value!r} (known: {listed})"


def _raise_all(problems: list[Problem]) -> None:
    if problems:
        raise ConfigError(*problems)


def _collect(load: Callable[[str], T], ids: list[str]) -> list[T]:
    items: list[T] = []
    problems: list[Problem | str] = []
    for item_id in ids:
        try:
            items.append(load(item_id))
        except ConfigError as error:
            problems.extend(error.problems)
    if problems:
        raise ConfigError(*problems)
    return items


__all__ = ["OncallError", "Workspace", "resolve_workspace"]
