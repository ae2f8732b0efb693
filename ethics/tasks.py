"""Celery tasks of the ethics app: take ids or nothing, claim work idempotently, call actions."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab

from ethics import actions

BEAT_SCHEDULE: dict = {
    "ethics-declaration-deadlines": {
        "task": "ethics.declaration_deadlines_notify",
        "schedule": crontab(hour=7, minute=0),
    },
    "ethics-advice-and-follow-ups": {
        "task": "ethics.advice_and_follow_ups_notify",
        "schedule": crontab(hour=7, minute=30),
    },
}


@shared_task(name="ethics.declaration_deadlines_notify", time_limit=1800, soft_time_limit=1700)
def declaration_deadlines_notify_task() -> int:
    """Remind servants of declarations due soon or overdue (each reminder is sent once)."""
    return actions.declaration_deadlines_notify()


@shared_task(name="ethics.advice_and_follow_ups_notify", time_limit=600, soft_time_limit=540)
def advice_and_follow_ups_notify_task() -> dict:
    """Tell contact points about overdue advice requests and conflict follow-ups (once each)."""
    return {
        "advice": actions.advice_overdue_notify(),
        "follow_ups": actions.conflict_follow_ups_notify(),
    }


@shared_task(name="ethics.code_published_notify", time_limit=1800, soft_time_limit=1700)
def code_published_notify_task(version_id: int) -> int:
    """Ask every servant to acknowledge a newly published code version (once per version)."""
    return actions.code_published_notify(version_id=version_id)
