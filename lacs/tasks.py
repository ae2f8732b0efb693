"""System-core tasks."""

import smtplib

from celery import shared_task
from django.core.mail import send_mail


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
