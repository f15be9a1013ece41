"""Explainable matching between candidates and postings (no model, nothing protected)."""
