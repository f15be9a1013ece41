"""Employers: organizations, members and roles, invitations, API keys and the audit log."""
