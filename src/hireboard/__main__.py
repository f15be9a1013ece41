"""``python -m hireboard`` is the ``hireboard`` command."""

from hireboard.cli.main import run

run()
