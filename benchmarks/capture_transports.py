"""Which capture transport costs the agent least: each candidate measured the way Claude Code
runs it, on the real hook payloads (docs/capture.md explains the choice from these numbers).

Command hooks: ``sh -c <command>`` with the payload on stdin, timed from spawn to exit (Claude
Code waits for exactly that). Candidates:

- ``sh -c true``: the floor — spawning a shell and reaping it, no hook at all;
- the C hook program, as ``vibecast hooks install`` writes its command (static, then dynamic);
- the script form under dash (``date`` forks for the clock) and under bash 5 (``$EPOCHREALTIME``);
- a minimal Python spooler (``python3 -S``, no imports): the lower bound of any Python hook;
- ``async: true`` command hooks: Claude Code does not wait for the exit, only for the spawn, so
  the cost is the time ``Popen`` takes to return (the process still runs and costs CPU);
- an ``http`` hook: a POST to vibecast's ``/capture/hook`` endpoint under uvicorn, one new
  connection per event, timed from connect to the response.

Candidates run round robin, so that every one sees the same machine load. The last column is
the CPU time of the processes each event started (``sh`` and the hook), in ms: what a burst of
events costs the machine, whether or not the agent waits for it.

    python benchmarks/capture_transports.py [--runs N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from _common import SHARED_DATA, percentile
from vibecast.capture import CapturePaths, build_hook_program
from vibecast.capture.program import hook_command
from vibecast.config import load_settings

PY_SPOOLER = (
    "import os,sys,time;d=sys.argv[1];n='%016d-%d.hook'%(time.time_ns()//1000,os.getpid());"
    "t=d+'/spool/tmp/'+n;open(t,'wb').write(sys.stdin.buffer.read());os.rename(t,d+'/spool/'+n)"
)


def payloads() -> list[bytes]:
    folder = SHARED_DATA / "claude-code" / "hook-payloads" / "cc-2.1.62"
    return [
        json.dumps(p).encode()
        for f in sorted(folder.glob("*.json"))
        for p in json.loads(f.read_text())
    ]


Measure = Callable[[int], float]  # run event i, return ms the agent waited


def command_hook(command: str, data: list[bytes], cwd: Path) -> Measure:
    def once(i: int) -> float:
        started = time.perf_counter()
        subprocess.run(
            ["/bin/sh", "-c", command],
            input=data[i % len(data)],
            cwd=cwd,
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return (time.perf_counter() - started) * 1000

    return once


def async_hook(command: str, data: list[bytes], cwd: Path) -> Measure:
    def once(i: int) -> float:
        started = time.perf_counter()
        process = subprocess.Popen(
            ["/bin/sh", "-c", command],
            stdin=subprocess.PIPE,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        waited = (time.perf_counter() - started) * 1000
        process.communicate(data[i % len(data)])  # not waited for by Claude Code
        return waited

    return once


@contextmanager
def http_hook(data: list[bytes], home: Path) -> Iterator[Measure]:
    import uvicorn
    from fastapi import FastAPI

    from vibecast.capture.hook_http import HOOK_PATH, hook_router

    app = FastAPI()
    app.include_router(hook_router(load_settings({"VIBECAST_HOME": str(home)})))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)

    def once(i: int) -> float:
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request(
            "POST",
            HOOK_PATH,
            body=data[i % len(data)],
            headers={"Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        conn.close()
        assert response.status == 200, response.status
        return (time.perf_counter() - started) * 1000

    try:
        yield once
    finally:
        server.should_exit = True
        thread.join(10)


def children_cpu() -> float:
    """CPU seconds of every child process reaped so far (the hooks' own cost)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def dynamic_build(target: Path) -> bool:
    source = resources.files("vibecast.capture") / "hook" / "vibecast-hook.c"
    with resources.as_file(source) as path:
        done = subprocess.run(
            ["cc", "-O2", "-o", str(target), str(path)], capture_output=True, check=False
        )
    return done.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    data = payloads()
    with tempfile.TemporaryDirectory(prefix="vibecast-transports-") as tmp:
        root = Path(tmp)
        paths = CapturePaths(root / "capture")
        candidates: dict[str, Measure] = {}
        candidates["sh -c true (floor: spawn a shell, no hook)"] = command_hook("true", data, root)
        c_program = build_hook_program(paths, "c") if shutil.which("cc") else None
        if c_program is not None:
            candidates["C hook, static (installed form)"] = command_hook(
                c_program.command, data, root
            )
            dynamic = paths.bin / "vibecast-hook-dynamic"
            if dynamic_build(dynamic):
                candidates["C hook, dynamically linked"] = command_hook(
                    hook_command(dynamic, paths.root), data, root
                )
        script = build_hook_program(CapturePaths(root / "script-capture"), "script")
        where = script.capture_dir
        candidates["script under bash 5 ($EPOCHREALTIME)"] = command_hook(
            f"bash {script.path} {where}", data, root
        )
        candidates["script under dash (date forks)"] = command_hook(
            f"dash {script.path} {where}", data, root
        )
        candidates["Python spooler (python -S, no imports)"] = command_hook(
            f'{sys.executable} -S -c "{PY_SPOOLER}" {where}', data, root
        )
        if c_program is not None:
            candidates["async command hook (spawn only)"] = async_hook(
                c_program.command, data, root
            )
        with http_hook(data, root / "http") as post:
            candidates["http hook to vibecast (uvicorn)"] = post
            times: dict[str, list[float]] = {name: [] for name in candidates}
            cpu: dict[str, float] = dict.fromkeys(candidates, 0.0)
            for i in range(args.runs):  # round robin: every candidate sees the same load
                for name, once in candidates.items():
                    before = children_cpu()
                    times[name].append(once(i))
                    cpu[name] += children_cpu() - before
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"{args.runs} events each on {os.cpu_count()} cores (load average {load}),")
        print("real payloads (cc-2.1.62); what the agent waits for per event, in ms:")
        print(f"{'transport':44} {'p50':>7} {'p99':>7} {'max':>7}  CPU of its processes")
        for name, values in times.items():
            p50, p99 = percentile(values, 50), percentile(values, 99)
            spent = f"{cpu[name] / args.runs * 1000:7.2f}" if cpu[name] else "      -"
            print(f"{name:44} {p50:7.2f} {p99:7.2f} {max(values):7.2f}  {spent}")


if __name__ == "__main__":
    main()
