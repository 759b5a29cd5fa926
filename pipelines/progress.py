"""Spark's stages moving, in a Rich progress display on stderr.

A background thread polls Spark's status tracker a few times a second and shows one bar per
active stage under a line saying which step of which pipeline is running. Off when stderr is not
a terminal or with ``--quiet``; then ``step`` only remembers the label.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from oncall.frozen import frozen

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID


class Steps(Protocol):
    """What jobs see of the progress display: they name the step they are in."""

    def step(self, label: str) -> None: ...


@frozen
class StageState:
    """One active stage as the status tracker reports it."""

    stage_id: int
    name: str
    tasks: int
    done: int
    running: int


def active_stages(tracker: Any) -> list[StageState]:
    """The active stages of a ``StatusTracker`` (or anything with the same two methods)."""
    stages = []
    for stage_id in sorted(tracker.getActiveStageIds()):
        info = tracker.getStageInfo(stage_id)
        if info is None:  # finished between the two calls
            continue
        stages.append(
            StageState(
                stage_id=stage_id,
                name=str(info.name).split(" at ")[0],
                tasks=int(info.numTasks),
                done=int(info.numCompletedTasks),
                running=int(info.numActiveTasks),
            )
        )
    return stages


class Quiet:
    """No display; keeps the current step for messages."""

    label = ""

    def step(self, label: str) -> None:
        self.label = label

    def __enter__(self) -> Quiet:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class SparkProgress:
    """The live display: the current step, and a bar per active Spark stage."""

    def __init__(self, tracker: Any, console: Console, interval: float = 0.25) -> None:
        self.tracker = tracker
        self.console = console
        self.interval = interval
        self.label = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._progress: Progress | None = None
        self._header: TaskID | None = None
        self._bars: dict[int, TaskID] = {}

    def step(self, label: str) -> None:
        self.label = label
        if self._progress is not None and self._header is not None:
            self._progress.update(self._header, description=label)

    def __enter__(self) -> SparkProgress:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self._progress.start()
        self._header = self._progress.add_task(self.label or "starting", total=None)
        self._thread = threading.Thread(target=self._poll, name="spark-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._progress is not None:
            self._progress.stop()

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                stages = active_stages(self.tracker)
            except Exception:
                # the JVM is stopping, or py4j is busy shutting down: the display is best effort
                continue
            self._render(stages)

    def _render(self, stages: list[StageState]) -> None:
        progress = self._progress
        if progress is None:
            return
        seen = set()
        for stage in stages:
            seen.add(stage.stage_id)
            description = f"  stage {stage.stage_id} {stage.name} ({stage.running} running)"
            if stage.stage_id not in self._bars:
                self._bars[stage.stage_id] = progress.add_task(description, total=stage.tasks)
            progress.update(
                self._bars[stage.stage_id],
                description=description,
                total=stage.tasks,
                completed=stage.done,
            )
        for stage_id in [s for s in self._bars if s not in seen]:
            progress.remove_task(self._bars.pop(stage_id))


class ConnectTracker:
    """The two status-tracker methods ``active_stages`` uses, fed by Spark Connect's progress
    reports (a Spark Connect client has no ``SparkContext``; the server streams each running
    query's stages instead)."""

    def __init__(self) -> None:
        self._stages: dict[int, Any] = {}
        self._inflight = 0

    def __call__(
        self, stages: Any, inflight_tasks: int, operation_id: str | None, done: bool
    ) -> None:
        current = {} if done else {s.stage_id: s for s in stages or () if not s.done}
        self._stages, self._inflight = current, inflight_tasks

    def getActiveStageIds(self) -> list[int]:
        return list(self._stages)

    def getStageInfo(self, stage_id: int) -> Any:
        from types import SimpleNamespace

        stage = self._stages.get(stage_id)
        if stage is None:
            return None
        running = self._inflight if len(self._stages) == 1 else 0
        return SimpleNamespace(
            name="stage",
            numTasks=stage.num_tasks,
            numCompletedTasks=stage.num_completed_tasks,
            numActiveTasks=running,
        )


def display(spark: Any, console: Console, enabled: bool) -> SparkProgress | Quiet:
    """The progress display for a command: live when ``enabled`` and stderr is a terminal."""
    if not enabled or not console.is_terminal:
        return Quiet()
    from pipelines.session import is_connect

    if is_connect(spark):
        tracker = ConnectTracker()
        spark.registerProgressHandler(tracker)
        return SparkProgress(tracker, console)
    return SparkProgress(spark.sparkContext.statusTracker(), console)
