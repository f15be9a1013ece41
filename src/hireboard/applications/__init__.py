"""Applications: candidates apply to postings; organizations move them through a pipeline."""
