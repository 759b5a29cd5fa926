"""Safe file writes: atomic replace, and a lock so that concurrent writers never lose updates."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    Readers see the old file or the new one, never a half-written one; a failure leaves the old
    file untouched and no temporary file behind. A symbolic link is written through: its target
    gets the new content and the link stays a link.
    """
    import tempfile  # imported here: reading commands never pay for it

    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically, in the file's own conventions.

    Text read with ``read_text`` has lost what the file had on disk: a byte-order mark and
    Windows line ends come back if the old file had them, so an edit changes only what it meant
    to (and ``git diff`` shows just that).
    """
    data = text.encode("utf-8")
    old = _head(path)
    if old.startswith(_BOM) and not data.startswith(_BOM):
        data = _BOM + data
    if b"\r\n" in old and b"\r\n" not in data:
        data = data.replace(b"\n", b"\r\n")
    atomic_write_bytes(path, data)


_BOM = "\ufeff".encode()


def _head(path: Path) -> bytes:
    """The first bytes of ``path`` (up to its first line end), or nothing if it is unreadable."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return b""
    end = head.find(b"\n")
    return head if end < 0 else head[: end + 1]


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``<path>.lock`` for the duration of the block.

    Every read-modify-write of a shared file goes through this, so two concurrent invocations
    serialise instead of one overwriting the other's change.
    """
    lock_path = Path(f"{path}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
