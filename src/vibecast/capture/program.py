"""The hook program Claude Code runs: built from the C source shipped in the package, or the
shell script when there is no C compiler.

Why not Python: Claude Code waits for every command hook, and a Python interpreter takes longer
to start than the whole budget (docs/capture.md has the measurements). The C program is
compiled once, at ``vibecast hooks install``, statically linked where the platform allows (no
dynamic loader at each start), checked by running it once, and replaced atomically so a hook
running at that moment never sees a half-written file.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from vibecast.capture.paths import CapturePaths
from vibecast.capture.spool import list_spool
from vibecast.errors import VibecastError

__all__ = [
    "HOOK_MARKER",
    "HookProgram",
    "HookProgramError",
    "build_hook_program",
    "hook_command",
    "installed_program",
]

HOOK_MARKER = "vibecast-hook"
"""Every command vibecast installs contains this; it is how our entries are recognised."""

C_PROGRAM = "vibecast-hook"
SCRIPT_PROGRAM = "vibecast-hook.sh"
_COMPILE_TIMEOUT_S = 120


class HookProgramError(VibecastError):
    pass


@dataclass(frozen=True)
class HookProgram:
    path: Path
    form: str  # "c" or "script"
    capture_dir: Path

    @property
    def command(self) -> str:
        return hook_command(self.path, self.capture_dir)


def hook_command(program: Path, capture_dir: Path) -> str:
    """The shell command for settings.json.

    ``exec`` saves the shell a fork; if the program has gone (vibecast uninstalled without
    ``hooks uninstall``) the command still exits 0, so Claude Code is never disturbed.
    """
    prog, cap = shlex.quote(str(program)), shlex.quote(str(capture_dir))
    return f"test -x {prog} && exec {prog} {cap}; exit 0"


def _source(name: str) -> bytes:
    return (resources.files("vibecast.capture") / "hook" / name).read_bytes()


def _works(program: Path) -> bool:
    """Run the program once on a test payload: it must spool it and exit 0."""
    with tempfile.TemporaryDirectory(prefix="vibecast-hook-check-") as tmp:
        try:
            done = subprocess.run(
                [str(program), tmp],
                input=b'{"hook_event_name":"Check"}',
                capture_output=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return False
        entries = list_spool(Path(tmp) / "spool")
        return done.returncode == 0 and len(entries) == 1 and entries[0].path.stat().st_size > 0


def _compile(cc: str, source: Path, target: Path) -> bool:
    """Compile ``source`` to ``target``: static first (faster start), then dynamic."""
    for flags in (["-O2", "-static"], ["-O2"]):
        try:
            done = subprocess.run(
                [cc, *flags, "-o", str(target), str(source)],
                capture_output=True,
                timeout=_COMPILE_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return False
        if done.returncode == 0 and _works(target):
            return True
    return False


def _build_c(paths: CapturePaths) -> HookProgram | None:
    cc = shutil.which(os.environ.get("CC") or "cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        return None
    target = paths.bin / C_PROGRAM
    with tempfile.TemporaryDirectory(prefix="vibecast-hook-build-") as tmp:
        source = Path(tmp) / "vibecast-hook.c"
        source.write_bytes(_source("vibecast-hook.c"))
        built = Path(tmp) / C_PROGRAM
        if not _compile(cc, source, built):
            return None
        staged = paths.bin / f".{C_PROGRAM}.new"
        shutil.copyfile(built, staged)
        staged.chmod(0o755)
        os.replace(staged, target)
    return HookProgram(target, "c", paths.root)


def _bash5() -> str | None:
    """A bash that has $EPOCHREALTIME (5.0+): the script then takes the time without a fork."""
    bash = shutil.which("bash")
    if bash is None:
        return None
    try:
        done = subprocess.run(
            [bash, "-c", 'echo "${BASH_VERSINFO[0]}"'],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return bash if done.stdout.strip().isdigit() and int(done.stdout) >= 5 else None


def _build_script(paths: CapturePaths) -> HookProgram:
    text = _source(SCRIPT_PROGRAM).decode()
    bash = _bash5()
    if bash is not None:
        text = text.replace("#!/bin/sh", f"#!{bash}", 1)
    target = paths.bin / SCRIPT_PROGRAM
    staged = paths.bin / f".{SCRIPT_PROGRAM}.new"
    staged.write_text(text)
    staged.chmod(0o755)
    os.replace(staged, target)
    if not _works(target):
        raise HookProgramError(f"the hook script {target} does not work on this system")
    return HookProgram(target, "script", paths.root)


def build_hook_program(paths: CapturePaths, form: str = "auto") -> HookProgram:
    """Install the hook program under ``capture/bin``.

    ``form``: ``"c"`` (compile; error without a working compiler), ``"script"``, or ``"auto"``
    (C when it compiles and works here, else the script).
    """
    if form not in ("auto", "c", "script"):
        raise ValueError(f"unknown hook form {form!r} (auto, c or script)")
    paths.ensure()
    paths.bin.mkdir(mode=0o700, parents=True, exist_ok=True)
    if form in ("auto", "c"):
        program = _build_c(paths)
        if program is not None:
            return program
        if form == "c":
            raise HookProgramError("no working C compiler (set CC, or use --hook-form script)")
    return _build_script(paths)


def installed_program(command: str) -> Path | None:
    """The program a command of ours runs (its first word after ``exec``)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if "exec" in words:
        index = words.index("exec") + 1
        if index < len(words):
            return Path(words[index])
    return None
