"""The Celery application: broker and results on Redis, configuration from Django settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lacs.settings")

app = Celery("lacs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _collect_beat_schedule(sender: Celery, **_kwargs) -> None:
    """Each app's ``tasks.BEAT_SCHEDULE`` joins the schedule beat runs."""
    from importlib import import_module

    from django.conf import settings

    schedule = dict(settings.CELERY_BEAT_SCHEDULE)
    for app_name in ("lacs", "lacs.oversight", "cases", "whistleblowing", "ethics", "procurement"):
        try:
            module = import_module(f"{app_name}.tasks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_name}.tasks":
                raise
            continue
        schedule.update(getattr(module, "BEAT_SCHEDULE", {}))
    sender.conf.beat_schedule = schedule
