"""Celery tasks of the cases app: take ids, claim work idempotently, call actions."""

from __future__ import annotations

from celery import shared_task

BEAT_SCHEDULE: dict = {}


@shared_task(name="cases.route", acks_late=True, time_limit=120, soft_time_limit=100)
def case_route_task(case_id: int) -> bool:
    """Route one case (a second delivery finds the outbox row done and does nothing)."""
    return False
