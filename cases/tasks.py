"""Celery tasks of the cases app: take ids, claim work idempotently, call actions."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab
from django.conf import settings
from django.db import InterfaceError, OperationalError

from cases import actions

BEAT_SCHEDULE: dict = {
    "cases-routing-sweep": {"task": "cases.routing_sweep", "schedule": 60.0},
    "cases-deadlines": {"task": "cases.deadlines_check", "schedule": crontab(minute=15)},
    "cases-unrouted-alert": {"task": "cases.unrouted_alert", "schedule": 15 * 60.0},
    "cases-notices-send": {
        "task": "cases.notices_send",
        "schedule": float(settings.NOTICE_BATCH_SECONDS),
    },
    "cases-recipients-expire": {
        "task": "cases.recipients_expire",
        "schedule": crontab(hour=0, minute=30),
    },
}


@shared_task(
    name="cases.route",
    ignore_result=True,  # nobody waits on it; a stored result would only pile up in Redis
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
    time_limit=120,
    soft_time_limit=100,
)
def case_route_task(case_id: int) -> bool:
    """Route one case (a second delivery finds the outbox row done and does nothing)."""
    return actions.case_route(case_id=case_id)


@shared_task(name="cases.routing_sweep", time_limit=600, soft_time_limit=540)
def routing_sweep_task(older_than_seconds: int = 60) -> int:
    """Route what the broker or a dead worker left behind."""
    return actions.routing_sweep(older_than_seconds=older_than_seconds)


@shared_task(name="cases.unrouted_alert", time_limit=300, soft_time_limit=270)
def unrouted_alert_task() -> int:
    """Mail the administrators about reports still unrouted an hour after filing."""
    return actions.routing_unrouted_alert()


@shared_task(name="cases.deadlines_check", time_limit=600, soft_time_limit=540)
def deadlines_check_task() -> dict:
    """Remind recipients before a deadline; mark breaches and escalate after it."""
    return actions.deadlines_check()


@shared_task(name="cases.notices_send", time_limit=600, soft_time_limit=540)
def notices_send_task() -> int:
    """Send pending notices in batches, each person's batch at a random run."""
    return actions.notices_send()


@shared_task(name="cases.recipients_expire", time_limit=600, soft_time_limit=540)
def recipients_expire_task() -> int:
    """Revoke access of people whose appointment at the case's entity ended."""
    return actions.recipients_expire()


BEAT_SCHEDULE["cases-retention"] = {
    "task": "cases.retention_run",
    "schedule": crontab(hour=3, minute=30),  # after the dashboards' nightly rebuild
}


@shared_task(name="cases.retention_run", time_limit=3600, soft_time_limit=3500)
def retention_run_task() -> int:
    """Delete closed cases past their category's retention period (keys first, then rows)."""
    from cases.retention import retention_run

    return retention_run().deleted
