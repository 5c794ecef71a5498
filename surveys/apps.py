from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Consultations and responses")

    def ready(self) -> None:
        from surveys import signals  # noqa: F401 - connects the receivers
        from surveys.drafting import emails as drafting_emails
        from surveys.journey.emails import renderers_register

        renderers_register()
        drafting_emails.renderers_register()
