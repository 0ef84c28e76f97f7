"""Fixtures for the capture tests: a private vibecast home and Claude config dir per test."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from vibecast.capture import CapturePaths, HookProgram, build_hook_program
from vibecast.config import Settings, load_settings


@dataclass
class CaptureEnv:
    root: Path
    env: dict[str, str]  # for subprocesses: the real environment plus our two directories
    settings: Settings

    @property
    def paths(self) -> CapturePaths:
        return CapturePaths.from_settings(self.settings)

    @property
    def claude_settings(self) -> Path:
        return self.settings.claude_config_dir / "settings.json"


@pytest.fixture
def capture_env(tmp_path: Path) -> CaptureEnv:
    env = dict(os.environ)
    env["VIBECAST_HOME"] = str(tmp_path / "vibecast-home")
    env["CLAUDE_CONFIG_DIR"] = str(tmp_path / "claude")
    env.pop("VIBECAST_DATABASE_URL", None)
    (tmp_path / "claude").mkdir()
    return CaptureEnv(tmp_path, env, load_settings(env))


@pytest.fixture(scope="session")
def c_hook_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A compiled hook program, built once for the session (skips without a C compiler)."""
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler")
    root = tmp_path_factory.mktemp("hook-c")
    build_hook_program(CapturePaths(root / "capture"), "c")
    return root / "capture" / "bin"


@pytest.fixture(params=["c", "script"])
def hook_program(request: pytest.FixtureRequest, capture_env: CaptureEnv) -> HookProgram:
    """Each form of the hook program, installed in ``capture_env`` (C copied, not rebuilt)."""
    paths = capture_env.paths
    if request.param == "script":
        return build_hook_program(paths, "script")
    built = request.getfixturevalue("c_hook_dir")
    paths.ensure()
    paths.bin.mkdir(parents=True, exist_ok=True)
    target = paths.bin / "vibecast-hook"
    shutil.copy2(built / "vibecast-hook", target)
    return HookProgram(target, "c", paths.root)
