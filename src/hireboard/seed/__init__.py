"""Data to try hireboard on: a realistic demo set, and synthetic postings for benchmarks."""
