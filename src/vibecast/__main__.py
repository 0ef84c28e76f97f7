"""``python -m vibecast`` is the ``vibecast`` command."""

from vibecast.cli import main

main()
