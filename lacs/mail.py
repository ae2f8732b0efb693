"""Notices by e-mail, sent by a task after the action commits.

A notice never holds report content: a case number and a link at most. Sending is a Celery task
with retries, so a slow or unreachable mail server neither holds up the action that caused it
(routing, for one, goes on to the next report) nor loses the notice. If the broker itself cannot
be reached the notice is sent at once, best effort.
"""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import transaction

from lacs.queue import publish_quickly

log = logging.getLogger(__name__)


def notify_after_commit(subject: str, body: str, emails: list[str]) -> None:
    """Queue ``subject``/``body`` for ``emails`` once the current transaction commits."""
    emails = [e for e in emails if e]
    if not emails:
        return
    subject, body = str(subject), str(body)  # evaluate translations in the caller's language

    def send() -> None:
        from lacs.tasks import mail_send_task

        try:
            publish_quickly(mail_send_task, (subject, body, emails))
        except Exception as exc:  # broker down: better now than never
            log.warning("notice not queued (%s); sending it now", exc)
            send_mail(subject, body, None, emails, fail_silently=True)

    transaction.on_commit(send)
