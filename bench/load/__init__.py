"""Load test of the respondent pages (``python -m bench.load``): locust, headless, on 127.0.0.1."""
