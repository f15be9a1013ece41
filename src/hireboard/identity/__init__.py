"""Users, login sessions and tokens."""
