"""Spool names sort by arrival, writers never leave half files, and the lock tells a running
recorder from a dead one."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from vibecast.capture import SpoolWriter, list_spool
from vibecast.capture.lock import RecorderLock, running_recorder_pid
from vibecast.capture.spool import HOOK, VIBECRAFT, parse_spool_name


@pytest.mark.parametrize(
    ("name", "parsed"),
    [
        ("1767000000000000-4242.hook", (1767000000000000, "hook")),
        ("1767000000000001-p12x0.vibecraft", (1767000000000001, "vibecraft")),
        ("1767000000000000-4242.hook.tmp", None),
        ("176700000000000-4242.hook", None),  # 15 digits: not ours
        ("1767000000000000-42/42.hook", None),
        ("notes.txt", None),
    ],
)
def test_spool_names(name: str, parsed) -> None:
    assert parse_spool_name(name) == parsed


@pytest.mark.parametrize("form", ["log", "file"])
def test_concurrent_writers_keep_every_payload(tmp_path, form: str) -> None:
    writer = SpoolWriter(tmp_path / "spool")
    write_one = writer.write if form == "log" else writer.write_file

    def write(thread: int) -> None:
        for index in range(50):
            write_one(f'{{"t": {thread}, "i": {index}}}'.encode(), VIBECRAFT, 1_767_000_000)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = list_spool(tmp_path / "spool")
    assert len(entries) == 200 and len({e.name for e in entries}) == 200
    payloads = {e.payload if form == "log" else e.path.read_bytes() for e in entries}
    assert len(payloads) == 200
    if form == "file":
        assert os.listdir(tmp_path / "spool" / "tmp") == []


def test_list_is_in_arrival_order(tmp_path) -> None:
    writer = SpoolWriter(tmp_path)
    for us in (30, 10, 20):
        writer.write(b"{}", HOOK, 1_767_000_000_000_000 + us)
    writer.write_file(b"{}", HOOK, 1_767_000_000_000_000 + 15)
    assert [e.arrival_us % 100 for e in list_spool(tmp_path)] == [10, 15, 20, 30]
    assert list_spool(tmp_path / "missing") == []


def test_the_lock_dies_with_its_process(tmp_path) -> None:
    lock = tmp_path / "recorder.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from vibecast.capture.lock import RecorderLock; "
            f"assert RecorderLock(Path({str(lock)!r})).acquire(); print('held', flush=True); "
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        assert running_recorder_pid(lock) == holder.pid
        assert not RecorderLock(lock).acquire()
    finally:
        holder.kill()  # like kill -9: no cleanup runs
        holder.wait()
    assert running_recorder_pid(lock) is None
    mine = RecorderLock(lock)
    assert mine.acquire()
    mine.release()
