"""Find a Java runtime Spark 4 can use, or say exactly what to install.

``python -m pipelines.java`` is the check ``make`` runs before anything starts Spark.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from oncall.errors import DataError

MINIMUM_JAVA = 17

INSTALL_HINT = (
    f"Spark 4 needs Java {MINIMUM_JAVA} or newer: install a JDK or JRE "
    "(Debian/Ubuntu: `sudo apt-get install openjdk-17-jre-headless`; macOS: "
    "`brew install openjdk@17`) and put `java` on PATH or set JAVA_HOME"
)


def java_executable() -> str | None:
    """The ``java`` Spark will run: ``$JAVA_HOME/bin/java`` if set, else the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        return str(candidate) if candidate.exists() else None
    return shutil.which("java")


def java_major_version(executable: str) -> int | None:
    """The major version ``java -version`` reports (8 for "1.8.0_392", 17 for "17.0.15")."""
    try:
        done = subprocess.run(
            [executable, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def require_java() -> str:
    """Return the java executable, or raise ``DataError`` saying what to install."""
    executable = java_executable()
    if executable is None:
        where = "JAVA_HOME points to no java" if os.environ.get("JAVA_HOME") else "no java found"
        raise DataError(f"{where}. {INSTALL_HINT}")
    major = java_major_version(executable)
    if major is None:
        raise DataError(f"could not run `{executable} -version`. {INSTALL_HINT}")
    if major < MINIMUM_JAVA:
        raise DataError(f"{executable} is Java {major}. {INSTALL_HINT}")
    return executable


def main() -> int:
    """Check Java for ``make``: silent when fine, one line and exit 1 otherwise."""
    try:
        require_java()
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
