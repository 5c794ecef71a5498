from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Consultations and responses")

    def ready(self) -> None:
        from surveys import signals  # noqa: F401 - connects the receivers
        from surveys.drafting import emails as drafting_emails
        from surveys.journey.emails import renderers_register
        from surveys.subscriptions.emails import renderers_register as subscriptions_register

        renderers_register()
        subscriptions_register()
        # The subscriptions' beat task lives in surveys.subscriptions.tasks (not surveys.tasks,
        # where Celery's autodiscovery looks): register it with the app in every process.
        from surveys.subscriptions import tasks  # noqa: F401

        drafting_emails.renderers_register()
