"""Job postings: structured pay, a lifecycle with history, public search, JSON-LD and feeds."""
