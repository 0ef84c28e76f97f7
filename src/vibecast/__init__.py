"""vibecast: record Claude Code sessions, keep them compactly, replay them like a video."""

__version__ = "0.1.0"
