"""Shared fixtures: people in each role, signed-in clients, a real Celery worker process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from lacs import actions as lacs_actions
from lacs import crypto, keys
from lacs.access import REAUTH_SESSION_KEY, requires_two_factor
from lacs.celery import app as celery_app
from lacs.models import ContactPointKind, Role
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    ContactPointFactory,
    EntityFactory,
    RoleAssignmentFactory,
    UserFactory,
)

ROOT = Path(__file__).resolve().parent.parent

# The roles of the access matrix, in the order its tables are written.
MATRIX_ROLES = (
    "anonymous",
    "whistleblower",  # anonymous, holding a live follow-up token bought with a valid receipt
    "servant",
    "contact_other",
    "contact",
    "investigator",
    "cpc",
    "analyst",
    "admin",
)


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def entity(db):
    return EntityFactory(name="Secretaría de Movilidad (prueba)", acronym="SEMOVI-T")


@pytest.fixture
def other_entity(db):
    return EntityFactory(name="Alcaldía de Prueba", acronym="ALC-T")


def make_user(role: str, entity=None, *, username: str | None = None, with_keys: bool = True):
    """A user holding ``role`` at ``entity`` (contact points are appointed as primary)."""
    user = UserFactory(username=username or f"{role}-{os.urandom(3).hex()}")
    if role == Role.ADMIN:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    elif role == Role.CONTACT:
        ContactPointFactory(user=user, entity=entity, kind=ContactPointKind.PRIMARY)
    else:
        RoleAssignmentFactory(user=user, role=role, entity=entity)
    if with_keys:
        lacs_actions.user_keys_create(user=user, password=PASSWORD)
    if requires_two_factor(user):
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def sign_in(client, user) -> None:
    """Sign ``user`` in as the log-in page would: TOTP verified and private key unlocked."""
    client.force_login(user)
    session = client.session
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[REAUTH_SESSION_KEY] = int(time.time())  # as the log-in page records it
    if hasattr(user, "keypair"):
        cookie_key = crypto.new_data_key()
        private = keys.user_private_key(user=user, password=PASSWORD)
        session[keys.SESSION_FIELD] = crypto.b64e(crypto.seal(cookie_key, private))
        client.cookies[keys.COOKIE_NAME] = crypto.b64e(cookie_key)
    session.save()


@dataclass
class Whistleblower:
    """The matrix's whistle-blower: a filed report and its receipt, no account."""

    report: object
    receipt: str

    @classmethod
    def file(cls, entity) -> Whistleblower:
        from whistleblowing.actions import report_submit

        category = CategoryFactory(code="matriz", name="Matriz de acceso")
        report, receipt = report_submit(
            entity=entity, category=category, answers=[], description="Denuncia", files=[]
        )
        return cls(report=report, receipt=receipt)

    def follow_up(self, client) -> None:
        """Sign back in with the receipt through the follow-up page, as a browser does."""
        from whistleblowing.forms import new_nonce

        response = client.post(
            reverse("whistleblowing:followup"), {"receipt": self.receipt, "nonce": new_nonce()}
        )
        assert response.status_code == 302, "the receipt did not open the report"


@pytest.fixture
def matrix_users(db, entity, other_entity):
    """One user per access-matrix role; ``contact_other`` is the contact point of another entity."""
    return {
        "anonymous": None,
        "whistleblower": Whistleblower.file(entity),
        "servant": make_user(Role.SERVANT, entity),
        "contact_other": make_user(Role.CONTACT, other_entity),
        "contact": make_user(Role.CONTACT, entity),
        "investigator": make_user(Role.INVESTIGATOR, entity),
        "cpc": make_user(Role.CPC),
        "analyst": make_user(Role.ANALYST),
        "admin": make_user(Role.ADMIN),
    }


@pytest.fixture
def client_for(client, matrix_users):
    """``client_for("contact")`` → a test client signed in as that role (fresh each call)."""
    from django.test import Client

    def build(role: str) -> Client:
        new = Client()
        user = matrix_users[role]
        if isinstance(user, Whistleblower):
            user.follow_up(new)
        elif user is not None:
            sign_in(new, user)
        return new

    return build


# --- A real Celery worker ----------------------------------------------------------------------
def _database_url_for_tests() -> str:
    conf = connection.settings_dict
    host = conf["HOST"] or "127.0.0.1"
    name = conf["NAME"]
    if host.startswith("/"):
        return f"postgresql://{conf['USER']}@/{name}?host={host}"
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf["PASSWORD"] else "")
    return f"postgresql://{auth}@{host}:{conf['PORT'] or 5432}/{name}"


def worker_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "lacs.settings_test",
            "DATABASE_URL": _database_url_for_tests(),
            "REDIS_URL": settings.REDIS_URL,
            "LACS_CELERY_EAGER": "0",
            "LACS_KEY_DIR": str(settings.KEY_DIR),
        }
    )
    env.update(extra)
    # settings_test puts the tests' Redis database number into REDIS_URL: keep the one given.
    database = urlsplit(env["REDIS_URL"]).path.lstrip("/")
    if database.isdigit():
        env["LACS_TEST_REDIS_DB"] = database
    return env


class WorkerProcess:
    def __init__(self, *args: str, **env: str):
        self.args = args
        self.env = env
        self.proc: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "lacs",
                "worker",
                "--loglevel=WARNING",
                "--concurrency=1",
                "--pool=prefork",
                "--without-gossip",
                "--without-mingle",
                *self.args,
            ],
            cwd=ROOT,
            env=worker_env(**self.env),
            start_new_session=True,
        )
        deadline = time.monotonic() + 120  # a loaded 2-core machine starts workers slowly
        while time.monotonic() < deadline:
            if celery_app.control.ping(timeout=0.5):
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("the Celery worker exited at start")
        raise RuntimeError("the Celery worker did not answer a ping within 120 s")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_worker_process(request, transactional_db):
    """Starts a real worker on the test database and broker; tasks stop running eagerly. A
    ``worker_env`` marker adds to the worker's environment."""
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    marker = request.node.get_closest_marker("worker_env")
    worker = WorkerProcess(**(marker.kwargs if marker else {})).start()
    yield worker
    worker.stop()
    celery_app.conf.task_always_eager = True
