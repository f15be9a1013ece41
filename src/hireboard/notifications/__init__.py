"""Email notifications: per-user preferences and one-click unsubscribe links."""
