"""A missing or old Java gives one line saying what to install (`make` runs this check)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from oncall.errors import DataError
from pipelines.java import require_java


def fake_java(folder: Path, version_line: str) -> Path:
    """A ``bin/java`` that prints ``version_line`` the way ``java -version`` does (on stderr)."""
    java = folder / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    return folder


def test_missing_java_home_names_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    with pytest.raises(DataError) as caught:
        require_java()
    message = str(caught.value)
    assert message.startswith("JAVA_HOME points to no java. Spark 4 needs Java 17 or newer")
    assert "openjdk-17-jre-headless" in message
    assert "\n" not in message


def test_java_8_is_too_old(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = fake_java(tmp_path / "jdk8", 'openjdk version "1.8.0_392"')
    monkeypatch.setenv("JAVA_HOME", str(home))
    with pytest.raises(DataError, match=r"is Java 8\. Spark 4 needs Java 17 or newer"):
        require_java()


def test_java_17_and_21_are_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for version in ("17.0.15", "21"):
        home = fake_java(tmp_path / version, f'openjdk version "{version}" 2025-04-15')
        monkeypatch.setenv("JAVA_HOME", str(home))
        assert require_java() == str(home / "bin" / "java")


def test_no_java_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DataError, match=r"^no java found\. Spark 4 needs Java 17"):
        require_java()


def test_make_check_prints_one_line_and_fails(tmp_path: Path) -> None:
    env = dict(os.environ, JAVA_HOME=str(tmp_path / "none"))
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.java"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("error: JAVA_HOME points to no java.")
