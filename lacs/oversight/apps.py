from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "lacs.oversight"
    label = "oversight"
    verbose_name = _("Supervisión y monitoreo")

    def ready(self) -> None:
        # lacs.celery collects BEAT_SCHEDULE from the top-level apps; this one joins through
        # settings, as settings.py asks apps to.
        from django.conf import settings

        from lacs.oversight.tasks import BEAT_SCHEDULE

        settings.CELERY_BEAT_SCHEDULE.update(BEAT_SCHEDULE)
