"""Spark and Py4J failures turned into one clear ``DataError`` line, never a Java stack trace.

Spark reports problems in two shapes: captured exceptions (``AnalysisException`` and friends,
carrying an error condition such as ``PATH_NOT_FOUND``) and raw ``Py4JJavaError`` wrapping a JVM
``SparkException`` whose root cause says what was really wrong ("... is not a Parquet file").
Both become ``<what>: <condition>: <root cause>`` with ``file:`` URIs shown relative to the data
root. When our own watchdog stopped the run (``abort``), its reason replaces Spark's "job
cancelled" text, and the failure is a ``DataError`` whatever the block was doing.

Over Spark Connect, errors arrive as gRPC failures. A server that stopped answering (killed,
out of memory, its machine gone) is final: the first block that notices records it with
``abort``, so every later block fails at once with the same one line instead of retrying again.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

from oncall.errors import DataError, OncallError
from pipelines.layout import DataRoot

_CONDITION = re.compile(r"\[([A-Z][A-Z0-9_.]+)\]\s*")
_SQLSTATE = re.compile(r"\s*SQLSTATE: \w+\.?")
_READ_FILE = re.compile(r"while reading file (\S+?)\.?(?:\s|$)")
_URI = re.compile(r"file:/{1,3}(/?[^\s,;'\"\]]+)")

#: why the run was stopped from outside Spark (see ``pipelines.session.ExecutorWatchdog``)
_aborted: str | None = None


#: told once when ``abort`` is first called (a Spark Connect client stops retrying)
_on_abort: list[Callable[[], None]] = []


def abort(reason: str) -> None:
    """Record why the running jobs are being cancelled, so their failure says so."""
    global _aborted
    first = _aborted is None
    _aborted = reason
    while first and _on_abort:
        with contextlib.suppress(Exception):
            _on_abort.pop()()


def on_abort(callback: Callable[[], None]) -> None:
    """Call ``callback`` when the run is aborted (once)."""
    _on_abort.append(callback)


def abort_reason() -> str | None:
    """The reason given to ``abort``, if the run was stopped that way."""
    return _aborted


def clear_abort() -> None:
    global _aborted
    _aborted = None
    _on_abort.clear()


def _first_line(text: str) -> str:
    for line in text.strip().splitlines():
        line = line.strip()
        if line and not line.startswith("at "):
            return line
    return text.strip()


def _java_messages(error: Any) -> tuple[str, str]:
    """The top-level message and the root cause's message of a ``Py4JJavaError``."""
    try:
        java = error.java_exception
        top = str(java.getMessage() or java.toString())
        cause = java
        while cause.getCause() is not None and cause.getCause() != cause:
            cause = cause.getCause()
        root = str(cause.getMessage() or cause.toString())
    except Exception:
        # the JVM may be gone (killed, out of memory): fall back on the Python-side text
        text = str(error).split("\n: ", 1)[-1]
        return text, text
    return top, root


def _clean(text: str, data: DataRoot | None) -> str:
    text = _SQLSTATE.sub("", _first_line(text)).strip()

    def relative(match: re.Match[str]) -> str:
        path = "/" + match.group(1).lstrip("/")
        if data is not None:
            root = str(data.path).rstrip("/") + "/"
            if path.startswith(root):
                return path[len(root) :]
        return path

    return _URI.sub(relative, text).rstrip(". ")


_GRPC_STATUS = re.compile(r"status = StatusCode\.(\w+)")
_GRPC_DETAILS = re.compile(r'details = "([^"]*)"')
#: gRPC statuses that mean the server is gone rather than that the query failed
_GONE = ("UNAVAILABLE", "CANCELLED", "UNKNOWN", "DEADLINE_EXCEEDED")


def connection_problem(error: BaseException) -> str | None:
    """Why a Spark Connect server did not answer (``Connection refused``), if ``error`` says it
    did not; None for any other error."""
    text = str(error)
    status = _GRPC_STATUS.search(text)
    if status is None or status.group(1) not in _GONE:
        return None
    details = _GRPC_DETAILS.search(text)
    why = details.group(1) if details else status.group(1)
    # "failed to connect to all addresses; last error: UNKNOWN: ipv4:...: Connection refused"
    return why.rsplit(": ", 1)[-1] if "failed to connect" in why else why


_BARE_JAVA_ERROR = re.compile(r"^(?:[a-z]\w*\.)+([A-Z]\w*(?:Exception|Error))$")
_THRIFT_STRUCT = re.compile(r"\s*Struct: \S+$")


def _corruption(why: str) -> str:
    """A Parquet reader's complaint about a damaged file, without JVM object names."""
    why = _THRIFT_STRUCT.sub("", why)  # "... Struct: org.apache.parquet...Scheme@347bc7a6"
    bare = _BARE_JAVA_ERROR.match(why)
    if bare:  # the reader crashed on garbage, e.g. java.lang.NullPointerException
        return f"corrupt Parquet file ({bare.group(1)})"
    return why


def describe(error: BaseException, data: DataRoot | None = None) -> str:
    """One line saying what went wrong in Spark, without stack traces or JVM class names."""
    from py4j.protocol import Py4JError, Py4JJavaError

    if _aborted is not None:
        return _aborted
    gone = connection_problem(error)
    if gone is not None:
        abort(f"the Spark Connect server stopped answering ({gone})")
        return str(_aborted)
    if isinstance(error, Py4JJavaError):
        top, root = _java_messages(error)
        top_clean, root_clean = _clean(top, data), _clean(root, data)
        root_clean = re.sub(r"^[\w.$]+(Exception|Error): ", "", root_clean)
        condition = _CONDITION.search(top_clean)
        unreadable = _READ_FILE.search(top_clean)
        if condition and condition.group(1).startswith("FAILED_READ_FILE") and unreadable:
            file = unreadable.group(1)
            why = root_clean.replace(f"{file} is ", "").replace(f"{file} ", "")
            return f"cannot read {file}: {_corruption(why)}"
        if condition and root_clean and root_clean not in top_clean:
            headline = _CONDITION.sub("", top_clean, count=1)
            return f"{headline}: {root_clean}"
        return _CONDITION.sub("", top_clean, count=1) or root_clean
    if isinstance(error, Py4JError):
        return f"lost the connection to the Spark JVM ({_first_line(str(error))})"
    return _CONDITION.sub("", _clean(str(error), data), count=1)


def is_spark_error(error: BaseException) -> bool:
    """Whether ``error`` came out of Spark or Py4J (as opposed to a bug in our own code)."""
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    grpc = sys.modules.get("grpc")  # imported only by a Spark Connect client
    kinds: tuple[type[BaseException], ...] = (PySparkException, Py4JError)
    if grpc is not None:
        kinds += (grpc.RpcError,)
    return isinstance(error, kinds)


@contextlib.contextmanager
def translated(
    what: str, data: DataRoot | None = None, kind: type[OncallError] = DataError
) -> Iterator[None]:
    """Run a block that uses Spark; any Spark failure becomes ``kind("<what>: ...")``.

    ``kind`` is ``DataError`` (exit 3) for reading and computing, ``RuntimeFailure`` (exit 1)
    for writing outputs.
    """
    try:
        yield
    except OncallError:
        raise
    except Exception as error:
        if not is_spark_error(error):
            raise
        if _aborted is not None:  # Spark failed as a whole, not this block's reading or writing
            kind = DataError
        raise kind(f"{what}: {describe(error, data)}") from None
