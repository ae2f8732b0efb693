"""The Celery application: broker and results on Redis, configuration from Django settings."""

import os

from celery import Celery
from celery.signals import task_postrun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lacs.settings")

app = Celery("lacs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _collect_beat_schedule(sender: Celery, **_kwargs) -> None:
    """Each installed app's ``tasks.BEAT_SCHEDULE`` joins the schedule beat runs (found through
    INSTALLED_APPS: the core names no app above it)."""
    from importlib import import_module
    from pathlib import Path

    from django.apps import apps
    from django.conf import settings

    schedule = dict(settings.CELERY_BEAT_SCHEDULE)
    ours = [
        c.name for c in apps.get_app_configs() if Path(c.path).is_relative_to(settings.BASE_DIR)
    ]
    for app_name in ours:
        try:
            module = import_module(f"{app_name}.tasks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_name}.tasks":
                raise
            continue
        schedule.update(getattr(module, "BEAT_SCHEDULE", {}))
    sender.conf.beat_schedule = schedule


@task_postrun.connect
def _database_connections_check(task=None, **_kwargs) -> None:
    """After each task, what Django does after each request: drop a connection that broke or aged.

    With ``CELERY_DB_REUSE_MAX`` Celery leaves connections open; this keeps a connection that
    failed (PostgreSQL restarted) or outlived ``CONN_MAX_AGE`` from reaching the next task, and
    arms ``CONN_HEALTH_CHECKS`` so the next task's first query checks it.
    """
    from django.db import connections

    if task is None or getattr(task.request, "is_eager", False):
        return  # run inside a request or a test: the caller owns the connection
    for conn in connections.all(initialized_only=True):
        conn.close_if_unusable_or_obsolete()
