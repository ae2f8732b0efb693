"""Celery tasks of the oversight app."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab

from oversight import actions

BEAT_SCHEDULE: dict = {
    # After the cases app's hourly deadline check at :15, so breaches are counted the same day.
    "oversight-figures-refresh": {
        "task": "oversight.figures_refresh",
        "schedule": crontab(hour=2, minute=40),
    },
}


@shared_task(name="oversight.figures_refresh", time_limit=1800, soft_time_limit=1700)
def figures_refresh_task(actor_id: int | None = None) -> int:
    """Rebuild the dashboard figures; a rebuild already running makes this one wait its turn."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return actions.figures_refresh(actor=actor).rows
