"""The ``hireboard`` command line."""
