"""Celery tasks of the procurement app: thin, idempotent, taking ids."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from procurement.actions import batch_claimable, ocds_batch_run, red_flags_compute
from procurement.models import ImportBatch

BEAT_SCHEDULE = {
    "procurement-import-sweep": {
        "task": "procurement.tasks.ocds_import_sweep_task",
        "schedule": 300.0,
    },
}


@shared_task(time_limit=3600, soft_time_limit=3500, acks_late=True)
def ocds_batch_run_task(batch_id: int) -> bool:
    """Import one batch; a second delivery finds it claimed and does nothing."""
    return ocds_batch_run(batch_id=batch_id)


@shared_task(time_limit=120)
def ocds_import_sweep_task() -> int:
    """Queue batches left pending (the broker was down) or abandoned by a worker that died."""
    cutoff = timezone.now() - dt.timedelta(minutes=2)
    pending = ImportBatch.objects.filter(batch_claimable(), created_at__lt=cutoff)
    ids = list(pending.values_list("pk", flat=True)[:100])
    for batch_id in ids:
        ocds_batch_run_task.delay(batch_id)
    return len(ids)


@shared_task(time_limit=3600, soft_time_limit=3500)
def red_flags_compute_task(settings_text: str, actor_id: int | None = None) -> int:
    """Compute the red flags over the imported processes; returns the run's id."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return red_flags_compute(actor=actor, settings_text=settings_text).pk
