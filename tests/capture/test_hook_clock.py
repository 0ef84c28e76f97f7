"""The hook program's arrival time is one reading of the clock.

A time stitched together from two readings (seconds from one, microseconds from the next) is
up to a second early whenever a second boundary falls between them, and then the recorder,
which orders a session by arrival time, plays that event a second too soon: under load, where
the gap between the readings grows, it showed as a replay shuffled by one event (the flaky
``test_every_payload_recorded_once_in_order[script]``).

To hit that boundary every time instead of once in a few hundred thousand runs, the real hook
script runs with a clock library preloaded whose every reading is 1.000001 s after the last
and which logs what it returned: the spooled arrival time must be one of those readings. (The C
form takes its time with one ``clock_gettime`` and is linked statically, out of a preload's
reach.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from required import unavailable
from vibecast.capture import build_hook_program, list_spool
from vibecast.capture.claude_hooks import run_command

START_US = 1_700_000_000_000_000
STEP_US = 1_000_001  # every reading crosses a second boundary

CLOCK_SOURCE = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long readings;

static long long next_us(void) {
    long long us = START_US + readings++ * STEP_US;
    const char *log = getenv("VIBECAST_TEST_CLOCK_LOG");
    if (log) {
        char line[32];
        int len = snprintf(line, sizeof line, "%lld\n", us);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            ssize_t ignored = write(fd, line, (size_t)len);
            (void)ignored;
            close(fd);
        }
    }
    return us;
}

int gettimeofday(struct timeval *tv, void *tz) {
    (void)tz;
    long long us = next_us();
    tv->tv_sec = (time_t)(us / 1000000);
    tv->tv_usec = (suseconds_t)(us % 1000000);
    return 0;
}

int clock_gettime(clockid_t clock, struct timespec *ts) {
    if (clock != CLOCK_REALTIME) {
        int (*real)(clockid_t, struct timespec *) =
            (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
        return real(clock, ts);
    }
    long long us = next_us();
    ts->tv_sec = (time_t)(us / 1000000);
    ts->tv_nsec = (long)(us % 1000000) * 1000;
    return 0;
}
"""


@pytest.fixture(scope="session")
def stepping_clock(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shared library whose wall clock jumps 1.000001 s at every reading."""
    cc = shutil.which(os.environ.get("CC") or "cc") or shutil.which("gcc")
    if cc is None:
        unavailable("no C compiler to build the test clock")
    root = tmp_path_factory.mktemp("stepping-clock")
    source = root / "clock.c"
    source.write_text(CLOCK_SOURCE)
    library = root / "libsteppingclock.so"
    built = subprocess.run(
        [
            cc,
            "-shared",
            "-fPIC",
            "-O1",
            f"-DSTART_US={START_US}LL",
            f"-DSTEP_US={STEP_US}LL",
            "-o",
            str(library),
            str(source),
            "-ldl",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    return library


def test_the_script_takes_its_arrival_time_from_one_reading_of_the_clock(
    capture_env, stepping_clock: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook_program = build_hook_program(capture_env.paths, "script")
    readings = tmp_path / "clock.log"
    monkeypatch.setenv("LD_PRELOAD", str(stepping_clock))
    monkeypatch.setenv("VIBECAST_TEST_CLOCK_LOG", str(readings))
    _, done = run_command(hook_program.command, b'{"hook_event_name": "Stop"}', tmp_path)
    monkeypatch.delenv("LD_PRELOAD")

    assert done.returncode == 0 and done.stdout == b"", done
    entries = list_spool(hook_program.capture_dir / "spool")
    assert len(entries) == 1
    returned = {int(line) for line in readings.read_text().split()}
    assert returned, "the preloaded clock was never read"
    # Seconds of one reading with the microseconds of the next would be reading + 1 µs here.
    assert entries[0].arrival_us in returned, (entries[0].name, sorted(returned))
