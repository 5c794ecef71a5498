"""Emails that must not be lost: queued in the transaction of the change that causes them,
rendered and sent by a Celery worker, retried with backoff, visible to staff when they fail."""
