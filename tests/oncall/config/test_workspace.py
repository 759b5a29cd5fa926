"""Workspace resolution (docs/workspace.md) and the cache of validated files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from oncall.config.workspace import resolve_workspace
from oncall.errors import UsageError


@pytest.mark.parametrize(
    ("marker", "option"),
    [("runbooks", True), ("schedules", False)],
    ids=[
        "the option wins over the environment and ancestors",
        "the environment wins over ancestors",
    ],
)
def test_an_explicit_workspace_wins_over_an_ancestor_holding(
    marker: str, option: bool, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``workspace`` is also ONCALL_WORKSPACE (conftest); the current folder is a workspace too."""
    other = tmp_path / "other"
    (other / marker).mkdir(parents=True)
    monkeypatch.chdir(other)
    assert resolve_workspace(workspace if option else None).root == workspace.resolve()


def test_nearest_ancestor_holding_runbooks_or_schedules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outer = tmp_path / "outer"
    inner = outer / "team" / "inner"
    (outer / "runbooks").mkdir(parents=True)
    (outer / "team" / "schedules").mkdir(parents=True)
    inner.mkdir(parents=True)
    monkeypatch.chdir(inner)
    assert resolve_workspace(None).root == (outer / "team").resolve()


def test_no_workspace_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="no workspace found") as caught:
        resolve_workspace(None)
    assert caught.value.exit_code == 2


def test_missing_workspace_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        resolve_workspace(tmp_path / "nope")
    assert str(caught.value) == f"--workspace: {tmp_path / 'nope'} is not a folder"


def test_environment_folder_must_exist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ONCALL_WORKSPACE", str(tmp_path / "gone"))
    with pytest.raises(UsageError, match=r"^ONCALL_WORKSPACE: .*gone is not a folder$"):
        resolve_workspace(None)


def _modules_after(args: list[str], env: dict[str, str]) -> set[str]:
    """Run ``oncall ARGS`` in a fresh interpreter and return the modules it imported."""
    code = (
        "import sys\n"
        f"sys.argv = ['oncall', *{args!r}]\n"
        "from oncall.cli.app import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "sys.stdout.flush()\n"
        "print('MODULES', ' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("MODULES "))
    return set(line.split()[1:])


def test_warm_commands_skip_pydantic_yaml_and_holidays(workspace: Path) -> None:
    """After the first run the validated files come from the cache: no re-validation."""
    env = dict(os.environ)
    first = _modules_after(["owners", "--format", "json"], env)
    assert {"pydantic", "yaml"} <= first
    second = _modules_after(["owners", "--format", "json"], env)
    assert not {"pydantic", "yaml", "holidays", "rich"} & second


@pytest.mark.parametrize(
    "args", [["--help"], ["owners"], ["runbook", "profit"], ["validate"], ["runbook", "list"]]
)
def test_oncall_never_imports_pyspark(workspace: Path, args: list[str]) -> None:
    """Neither Spark nor the client libraries of Spark Connect (the ``connect`` extra)."""
    modules = _modules_after(args, dict(os.environ))
    heavy = {"pyspark", "py4j", "grpc", "pandas", "pyarrow", "numpy", "zstandard"}
    assert not heavy & {name.split(".")[0] for name in modules}
