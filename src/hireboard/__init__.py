"""hireboard: an open-source job-market and hiring backend."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hireboard")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
