"""Market statistics over published postings: counts, pay percentiles, level mix, skills."""
