from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Summary reports")

    def ready(self) -> None:
        # The report jobs' Celery tasks live in reports.jobs.tasks (not reports.tasks, where
        # Celery's autodiscovery looks): register them with the app in every process.
        from reports.jobs import tasks  # noqa: F401
