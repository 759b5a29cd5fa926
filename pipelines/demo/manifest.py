"""Read a demo data set's manifest; ``python -m pipelines.demo.manifest DIR KEY`` prints one value.

``make demo`` uses it to replay the month-close run at the instant the manifest names:
``python -m pipelines.demo.manifest demo-data replay.month_close``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from oncall.errors import UsageError

MANIFEST = "manifest.json"


def load_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a demo data set; ``UsageError`` if ``folder`` has none."""
    path = Path(folder) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"{path}: no demo manifest (run `pipeline demo-data --out {folder}`)"
        ) from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{path}: not valid JSON ({error.msg})") from None


def lookup(manifest: dict[str, Any], key: str) -> Any:
    """The value at a dotted ``key`` (``replay.month_close``); ``UsageError`` if absent."""
    value: Any = manifest
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise UsageError(f"{MANIFEST}: no {key!r}")
        value = value[part]
    return value


def main(argv: list[str]) -> int:
    """Print the manifest value ``argv[1]`` of the data set in ``argv[0]``."""
    if len(argv) != 2:
        print("usage: python -m pipelines.demo.manifest DIR KEY", file=sys.stderr)
        return 2
    try:
        value = lookup(load_manifest(Path(argv[0])), argv[1])
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(value if isinstance(value, str) else json.dumps(value))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
