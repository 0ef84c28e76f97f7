"""What the capture hooks cost the real Claude Code: the same scripted session run with
vibecast's hooks installed and without, the runs alternating, compared by their medians.

``capture_latency.py`` times each hook the way Claude Code runs it; this asks Claude Code itself
(the version in ``tests/claude-code.version``, installed by ``scripts/install-claude-code``).
Each run is ``claude -p`` in a fresh project against a scripted model on 127.0.0.1
(``tests/claude_code.py``): the prompt, ``--calls`` Bash calls one after another, a last answer.
With hooks, that is 2 x calls + 4 hook events (SessionStart, UserPromptSubmit, Pre/PostToolUse
for each call, Stop, SessionEnd). Three ways, in turn: no hooks; the same hook entries as
``vibecast hooks install`` writes, each running ``true`` (what any hook costs in Claude Code's
own runner); vibecast's hooks. Printed: the median wall time of a run each way, and the
differences shared out over the hook events. No recorder runs: its cost is off the agent's path
(``capture_recorder_cpu.py``); here the events wait in the spool.

    python benchmarks/capture_claude_code.py [--runs 7] [--calls 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from claude_code import (
    CLAUDE_CODE_VERSION,
    ScriptedModel,
    ToolUse,
    find_claude,
    run_claude,
)

PROMPT = "Count to twenty, one command at a time"
MODES = ("without", "empty", "with")


def _empty_hooks_like(installed: str, target: str) -> None:
    """Claude settings with the same hook entries as ``installed``'s, each running ``true``."""
    settings = json.loads((Path(installed) / "settings.json").read_text())
    for entries in settings["hooks"].values():
        for entry in entries:
            for hook in entry["hooks"]:
                hook["command"] = "true"
    (Path(target) / "settings.json").write_text(json.dumps(settings, indent=2))


def _session(claude: Path, root: Path, env: dict[str, str], calls: int) -> float:
    """One scripted session in a fresh project; its wall time in seconds."""
    project = Path(tempfile.mkdtemp(dir=root))
    turns: list = [
        [ToolUse("Bash", {"command": f"echo {n}", "description": f"Count {n}"})]
        for n in range(calls)
    ]
    model = ScriptedModel({PROMPT: [*turns, "Counted."]})
    with model.serving() as url:
        started = time.perf_counter()
        result = run_claude(claude, PROMPT, cwd=project, env=env, model_url=url, tools=("Bash",))
        elapsed = time.perf_counter() - started
    if result.returncode != 0 or "Counted." not in result.stdout:
        raise SystemExit(f"claude failed: {result.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs each way")
    parser.add_argument("--calls", type=int, default=20, help="tool calls per run")
    args = parser.parse_args()
    claude = find_claude()
    if claude is None:
        raise SystemExit("Claude Code is not installed: run scripts/install-claude-code")

    with tempfile.TemporaryDirectory(prefix="vibecast-cc-bench-") as tmp:
        root = Path(tmp)
        envs = {}
        for name in MODES:
            home = root / name
            (home / "claude").mkdir(parents=True)
            envs[name] = {
                **os.environ,
                "HOME": str(home),
                "VIBECAST_HOME": str(home / "vibecast"),
                "CLAUDE_CONFIG_DIR": str(home / "claude"),
            }
        installed = subprocess.run(
            [sys.executable, "-m", "vibecast", "hooks", "install"],
            env=envs["with"],
            capture_output=True,
            text=True,
        )
        if installed.returncode != 0:
            raise SystemExit(installed.stderr)
        _empty_hooks_like(envs["with"]["CLAUDE_CONFIG_DIR"], envs["empty"]["CLAUDE_CONFIG_DIR"])
        times: dict[str, list[float]] = {name: [] for name in MODES}
        _session(claude, root, envs["without"], args.calls)  # warm the page cache
        for _ in range(args.runs):
            for name in MODES:
                times[name].append(_session(claude, root, envs[name], args.calls))
        spooled = subprocess.run(
            [sys.executable, "-m", "vibecast", "hooks", "status"],
            env=envs["with"],
            capture_output=True,
            text=True,
        ).stdout

    hook_events = 2 * args.calls + 4
    without, empty, with_hooks = (statistics.median(times[k]) for k in MODES)
    print(
        f"Claude Code {CLAUDE_CODE_VERSION}, {args.runs} runs each way of {args.calls} Bash calls "
        f"({hook_events} hook events a run); {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"median run: no hooks {without * 1000:.0f} ms, hooks running `true` "
        f"{empty * 1000:.0f} ms, vibecast's hooks {with_hooks * 1000:.0f} ms"
    )
    print(
        "per hook event: Claude Code's own hook runner "
        f"{(empty - without) / hook_events * 1000:+.2f} ms, vibecast's hook on top of it "
        f"{(with_hooks - empty) / hook_events * 1000:+.2f} ms"
    )
    waiting = " ".join(line for line in spooled.splitlines() if "Spool" in line)
    print(f"after the runs, vibecast's hooks: {waiting}")


if __name__ == "__main__":
    main()
