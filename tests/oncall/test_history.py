"""The diagnose history that `oncall handoff` reads."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

from oncall import history


def run(at: str, pipeline: str, status: str, **extra: object) -> dict[str, object]:
    return {"at": at, "pipeline": pipeline, "status": status, **extra}


def test_latest_status_and_since_when(tmp_path: Path) -> None:
    history.record_runs(
        tmp_path,
        [
            run("2027-01-01T08:00:00+00:00", "profit", "ok"),
            run("2027-01-02T08:00:00+00:00", "profit", "fail"),
            run("2027-01-02T08:00:00+00:00", "growth", "ok"),
        ],
    )
    history.record_runs(
        tmp_path,
        [
            run(
                "2027-01-03T08:00:00+00:00",
                "profit",
                "fail",
                checks=[
                    {"id": "filing_discrepancy", "status": "fail", "count": 2},
                    {"id": "cost_data_delay", "status": "ok", "count": 0},
                ],
            )
        ],
    )
    latest = history.latest_statuses(tmp_path)
    profit = latest["profit"]
    assert profit.status == "fail"
    assert profit.at == datetime(2027, 1, 3, 8, tzinfo=UTC)
    assert profit.since == datetime(2027, 1, 2, 8, tzinfo=UTC)
    assert profit.failing == ("filing_discrepancy",)
    assert latest["growth"].since == latest["growth"].at
    # as it was on the 2nd at noon: failing since the 2nd
    then = history.latest_statuses(tmp_path, until=datetime(2027, 1, 2, 12, tzinfo=UTC))
    assert then["profit"].at == datetime(2027, 1, 2, 8, tzinfo=UTC)


def test_unreadable_lines_are_skipped(tmp_path: Path) -> None:
    history.record_runs(tmp_path, [run("2027-01-01T08:00:00+00:00", "profit", "ok")])
    path = history.history_path(tmp_path)
    with open(path, "a") as handle:
        handle.write('{"at": "2027-01-02T08:00:00+00:00", "pipel')  # a write cut short
        handle.write("\nnot json\n")
    assert [r["pipeline"] for r in history.read_runs(tmp_path)] == ["profit"]


def test_no_history_is_empty(tmp_path: Path) -> None:
    assert history.latest_statuses(tmp_path) == {}


def test_state_dir_can_be_moved(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ONCALL_STATE_DIR", str(tmp_path / "elsewhere"))
    path = history.record_runs(tmp_path, [run("2027-01-01T08:00:00+00:00", "profit", "ok")])
    assert path == tmp_path / "elsewhere" / "diagnose-history.jsonl"


def _append_many(root: str, worker: int) -> None:
    for index in range(50):
        history.record_runs(
            Path(root), [run("2027-01-01T08:00:00+00:00", f"p{worker}", "ok", n=index)]
        )


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(str(tmp_path), w)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    runs = history.read_runs(tmp_path)
    assert len(runs) == 200
    assert sorted({(r["pipeline"], r["n"]) for r in runs}) == sorted(
        (f"p{w}", n) for w in range(4) for n in range(50)
    )


def test_one_bad_byte_hides_only_its_own_line(tmp_path: Path) -> None:
    history.record_runs(tmp_path, [run("2027-01-02T08:00:00+00:00", "profit", "fail")])
    path = history.history_path(tmp_path)
    with open(path, "ab") as handle:
        handle.write(b'{"at": "2027-01-02T09:00:00+00:00", "pipeline": "gr\xffowth"}\n')
    history.record_runs(tmp_path, [run("2027-01-03T08:00:00+00:00", "growth", "ok")])
    warnings: list[str] = []
    latest = history.latest_statuses(tmp_path, warnings=warnings)
    assert {p: s.status for p, s in latest.items()} == {"profit": "fail", "growth": "ok"}
    assert warnings == [f"{path}: skipped 1 unreadable line(s) of the diagnose history"]


def test_hand_edited_entries_of_any_shape_are_skipped_or_kept(tmp_path: Path) -> None:
    path = history.history_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(
        '{"at": "2027-01-02T08:00:00+00:00", "pipeline": "profit", "status": "fail", "checks": 5}\n'
        '{"at": 5, "pipeline": ["x"], "status": null}\n'
        "[1, 2]\n"
        '{"at": "0001-01-01T00:00:00+00:00", "pipeline": "growth", "status": "ok"}\n'
        '{"at": "2027-01-02T08:00:00+00:00", "pipeline": "engagement", "status": "warn", '
        '"checks": [5, {"id": ["kafka_gap"], "status": "fail"}, '
        '{"id": "kafka_gap", "status": "warn"}]}\n'
    )
    warnings: list[str] = []
    latest = history.latest_statuses(tmp_path, warnings=warnings)
    assert {p: s.status for p, s in latest.items()} == {"profit": "fail", "engagement": "warn"}
    assert latest["profit"].checks == ()
    assert latest["engagement"].failing == ("kafka_gap",)
    assert warnings == [f"{path}: skipped 2 unreadable line(s) of the diagnose history"]


def test_a_history_that_is_a_folder_or_under_a_file_is_a_warning(tmp_path: Path) -> None:
    path = history.history_path(tmp_path)
    path.mkdir(parents=True)
    warnings: list[str] = []
    assert history.latest_statuses(tmp_path, warnings=warnings) == {}
    assert warnings == [f"{path}: cannot read the diagnose history (Is a directory)"]
    path.rmdir()
    path.parent.rmdir()
    path.parent.write_text("a file where the state folder should be")
    warnings.clear()
    assert history.latest_statuses(tmp_path, warnings=warnings) == {}
    assert warnings == [f"{path}: cannot read the diagnose history (Not a directory)"]
