"""Celery tasks of the whistleblowing app: take ids or nothing, idempotent, call actions."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab

from whistleblowing import actions

BEAT_SCHEDULE: dict = {
    "whistleblowing-protection-deadlines": {
        "task": "whistleblowing.protection_deadlines_check",
        "schedule": crontab(minute=20),
    },
}


@shared_task(name="whistleblowing.protection_deadlines_check", time_limit=600, soft_time_limit=540)
def protection_deadlines_check_task() -> dict:
    """Remind before a protection request's first-answer deadline; escalate after it."""
    return actions.protection_deadlines_check()
