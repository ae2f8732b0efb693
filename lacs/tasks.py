"""System-core tasks."""

import smtplib

from celery import shared_task
from django.core.mail import send_mail
from django.core.management import call_command

BEAT_SCHEDULE: dict = {
    # Expired session rows go: an old row's expiry says when its owner was last active.
    "lacs-sessions-clear": {"task": "lacs.sessions_clear", "schedule": 3600.0},
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
