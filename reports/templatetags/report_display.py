"""Template helpers for the staff report pages: HKT times, the snapshot line, the job's reason."""

from __future__ import annotations

import datetime as dt

from django import template

from reports import display
from reports.models import Report

register = template.Library()


@register.filter
def hkt(value: dt.datetime | None) -> str:
    """A time in Hong Kong, in the page's language: ``{{ report.queued_at|hkt }}``."""
    return display.hkt(value)


@register.simple_tag
def snapshot_line(report: Report) -> str:
    return display.snapshot_line(report)


@register.simple_tag
def job_reason(report: Report) -> str:
    return display.job_reason(report)
