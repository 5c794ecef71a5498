"""The summary-report job: request, build (in one pass or in chunks), progress, failures."""
