"""A user's own data: export everything, as JSON."""
