"""Candidates: profiles and resumes (uploaded, checked, parsed by a job)."""
