"""Shared mechanics that know no domain."""
