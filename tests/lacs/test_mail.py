"""Notices go out after commit, through a worker's task; with the broker down, at once."""

import email
import email.header

import pytest
from django.core import mail
from django.db import transaction

from lacs import queue
from lacs.celery import app as celery_app
from lacs.mail import notify_after_commit
from tests.conftest import WorkerProcess
from tests.reliability.stack import wait_until


@pytest.mark.django_db
def test_a_rolled_back_action_sends_no_notice(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify_after_commit("Aviso", "Sin contenido", ["ana@cdmx.example"])
        raise RuntimeError("the action failed")
    assert mail.outbox == []


@pytest.mark.django_db
def test_with_the_broker_down_the_notice_is_sent_at_once(django_capture_on_commit_callbacks):
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_write_url = "redis://127.0.0.1:1/0"  # nothing listens there
    queue._forget()  # drop a connection kept from an earlier test
    try:
        with django_capture_on_commit_callbacks(execute=True):
            notify_after_commit("Aviso", "Sin contenido", ["ana@cdmx.example"])
    finally:
        celery_app.conf.broker_write_url = None
        celery_app.conf.task_always_eager = True
        queue._forget()
    assert [m.to for m in mail.outbox] == [["ana@cdmx.example"]]


@pytest.mark.django_db(transaction=True)
def test_a_worker_sends_the_notice_after_commit(tmp_path):
    celery_app.conf.task_always_eager = False
    worker = WorkerProcess(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        LACS_MAIL_DIR=str(tmp_path),
    ).start()
    try:
        with transaction.atomic():
            notify_after_commit("Se le turnó el caso X", "Sin contenido", ["ana@cdmx.example"])
            assert not list(tmp_path.iterdir())  # nothing leaves before the commit
        wait_until(lambda: list(tmp_path.iterdir()), timeout=60, step=0.1)
    finally:
        worker.stop()
        celery_app.conf.task_always_eager = True
    (sent,) = tmp_path.iterdir()
    message = email.message_from_string(sent.read_text().split("\n---")[0])
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert message["To"] == "ana@cdmx.example" and subject == "Se le turnó el caso X"
