"""The Consult HK Django project."""

from consultation.celery import app as celery_app

__all__ = ("celery_app",)
