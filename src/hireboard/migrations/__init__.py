"""Alembic migrations; run them with ``hireboard db upgrade`` (``serve`` does it on start)."""
