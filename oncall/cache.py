"""A small on-disk cache of validated results, so commands need not re-validate unchanged files.

Entries are keyed by name and carry a stamp (for files: modification time and size); an entry is
used only while its stamp still matches. The whole cache is dropped when the code that produced it
changes. The cache is an optimisation only: any problem reading or writing it is ignored.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import zlib
from pathlib import Path
from typing import Any

CACHE_VARIABLE = "ONCALL_CACHE_DIR"


def cache_dir() -> Path:
    """``ONCALL_CACHE_DIR``, else ``$XDG_CACHE_HOME/oncall``, else ``~/.cache/oncall``."""
    explicit = os.environ.get(CACHE_VARIABLE)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "oncall"


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """What identifies a version of a file: (mtime_ns, size, inode), or None if missing."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def code_stamp(*modules_files: str) -> tuple[Any, ...]:
    """A stamp of source files whose change must invalidate the cache."""
    return tuple(file_stamp(Path(f)) for f in modules_files)


class StampedCache:
    """Entries valid while their stamp matches, stored in one pickle file under ``cache_dir()``."""

    def __init__(self, name: str, scope: str, version: tuple[Any, ...]) -> None:
        # entries are keyed by full path, so a clash of this short digest costs speed, never
        # correctness; zlib avoids importing hashlib (OpenSSL) on every start
        digest = f"{zlib.crc32(scope.encode('utf-8')):08x}"
        self.path = cache_dir() / f"{name}-{digest}.pickle"
        self.version = version
        self.entries: dict[str, tuple[Any, Any]] = {}
        self.dirty = False
        with contextlib.suppress(Exception):
            with open(self.path, "rb") as handle:
                version_seen, entries = pickle.load(handle)
            if version_seen == version:
                self.entries = entries

    def get(self, key: str, stamp: Any) -> Any | None:
        """The value stored under ``key`` if it was stored with this ``stamp``."""
        entry = self.entries.get(key)
        if entry is not None and entry[0] == stamp:
            return entry[1]
        return None

    def put(self, key: str, stamp: Any, value: Any) -> None:
        """Store ``value`` under ``key`` for ``stamp``; written by ``save()``."""
        self.entries[key] = (stamp, value)
        self.dirty = True

    def save(self) -> None:
        """Write the cache if it changed; failures are ignored (it is only a cache)."""
        if not self.dirty:
            return
        from oncall.fsio import atomic_write_bytes

        with contextlib.suppress(Exception):
            data = pickle.dumps((self.version, self.entries), protocol=pickle.HIGHEST_PROTOCOL)
            atomic_write_bytes(self.path, data)
            self.dirty = False
