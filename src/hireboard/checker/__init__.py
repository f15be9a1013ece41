"""The job-description checker: law, wording, realism, readability and completeness rules."""
