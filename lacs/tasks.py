"""System-core tasks."""

import smtplib

from celery import shared_task
from celery.schedules import crontab
from django.core.mail import send_mail
from django.core.management import call_command

BEAT_SCHEDULE: dict = {
    # Expired session rows go: an old row's expiry says when its owner was last active.
    "lacs-sessions-clear": {"task": "lacs.sessions_clear", "schedule": 3600.0},
    # The day's audit head, signed and published for the CPC to keep.
    "lacs-audit-head-sign": {"task": "lacs.audit_head_sign", "schedule": crontab(hour=0, minute=5)},
}


@shared_task(name="lacs.ping")
def ping(value: str = "pong") -> str:
    """Round-trip check used by tests and operators: returns what it was given."""
    return value


@shared_task(
    name="lacs.mail_send",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
)
def mail_send_task(subject: str, body: str, recipients: list[str]) -> int:
    """Send one notice (lacs.mail); a mail server that fails is tried again with back-off."""
    return send_mail(subject, body, None, recipients)


@shared_task(name="lacs.sessions_clear", ignore_result=True, time_limit=600)
def sessions_clear_task() -> None:
    """Delete expired sessions (Django's ``clearsessions``); idempotent."""
    call_command("clearsessions")


@shared_task(name="lacs.audit_head_sign", ignore_result=True, time_limit=1800)
def audit_head_sign_task() -> int:
    """Sign and publish today's audit head with the worker's signing key; idempotent per day."""
    from lacs.actions import audit_head_publish
    from lacs.keys import audit_signing_key

    return audit_head_publish(private_key=audit_signing_key()).seq
