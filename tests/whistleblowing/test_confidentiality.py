"""A canary planted in every field and file of a report appears nowhere at rest or in logs,
and neither does the whistle-blower's address; the whistle-blower's actions carry only a day."""

import base64
import io
import logging
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.actions import case_route
from cases.models import Case
from lacs.models import AuditEvent, Role
from tests.conftest import make_user, sign_in
from tests.whistleblowing.factories import (
    CLIENT_ADDRESS,
    png_file,
    questionnaire,
    receipt_of,
    report_data,
)
from whistleblowing.forms import new_nonce
from whistleblowing.models import IdentityRequest, ProtectionRequest

# Committed for real, so that a pg_dump from another connection sees every row.
pytestmark = pytest.mark.django_db(transaction=True)


def pdf_file(author: str, name: str) -> SimpleUploadedFile:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(72, 72)
    writer.add_metadata({"/Author": author, "/Title": author})
    out = io.BytesIO()
    writer.write(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/pdf")


def forms_of(text: str) -> list[bytes]:
    """The canary as plain bytes, as PostgreSQL's hex of bytea, and in base64 at each offset."""
    raw = text.encode()
    variants = [raw, raw.hex().encode()]
    for offset in range(3):
        encoded = base64.b64encode(b"\x00" * offset + raw)[4 if offset else 0 :]
        variants.append(encoded[: len(encoded) - 4])
    return variants


def database_text() -> bytes:
    """Every row of every table as text (bytea as hex)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        chunks = []
        for table in tables:
            cursor.execute(f'SELECT t::text FROM "{table}" t')  # noqa: S608 - names from the catalogue
            chunks.extend(row[0] for row in cursor.fetchall())
    return "\n".join(chunks).encode()


def pg_dump_text() -> bytes:
    """``pg_dump`` of the test database when a matching client is installed, else nothing."""
    import shutil
    import subprocess

    binary = shutil.which("pg_dump")
    conf = connection.settings_dict
    if binary is None:
        return b""
    host = conf["HOST"] or "127.0.0.1"
    args = [binary, "--data-only", "-h", host, "-U", conf["USER"], conf["NAME"]]
    if conf["PORT"]:
        args += ["-p", str(conf["PORT"])]
    env = {"PGPASSWORD": conf["PASSWORD"] or "", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(args, capture_output=True, env=env, timeout=120, check=False)
    return done.stdout if done.returncode == 0 else b""


def redis_contents() -> bytes:
    raw = cache._cache.get_client()
    chunks = []
    for key in raw.scan_iter("*"):
        chunks.append(key)
        value = raw.get(key) if raw.type(key) == b"string" else b""
        chunks.append(value or b"")
    return b"\n".join(chunks)


def storage_contents() -> bytes:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return b""
    return b"\n".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def every_log(caplog):
    """caplog, also fed by the loggers that do not propagate to the root (django.request…)."""
    caplog.set_level(logging.DEBUG)
    quiet = [
        logging.getLogger(name)
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.addHandler(caplog.handler)
        logger.setLevel(logging.DEBUG)
    yield caplog
    for logger, level in zip(quiet, levels, strict=True):
        logger.removeHandler(caplog.handler)
        logger.setLevel(level)


def test_canary_in_every_field_and_file_is_nowhere_at_rest_or_in_logs(entity, every_log):
    caplog = every_log
    canary = f"CANARIO{uuid.uuid4().hex}"
    custodian = make_user(Role.CUSTODIAN)
    second = make_user(Role.CUSTODIAN)  # opening an identity takes two
    contact = make_user(Role.CONTACT, entity)
    category, questions = questionnaire()
    wb = Client(REMOTE_ADDR=CLIENT_ADDRESS, HTTP_USER_AGENT=f"UA-{canary}")

    data = report_data(
        category,
        entity,
        questions,
        description=f"Descripción {canary}",
        identity_name=f"Nombre {canary}",
        identity_contact=f"Contacto {canary}",
        **{
            f"q_{questions['text'].pk}": f"Respuesta {canary}",
            f"q_{questions['yes_no'].pk}": "yes",
            f"q_{questions['witnesses'].pk}": f"Testigos {canary}",
        },
    )
    data["files"] = [
        SimpleUploadedFile(f"{canary}.txt", f"Contenido {canary}".encode()),
        png_file(text_chunk=canary, name=f"foto-{canary}.png"),
        pdf_file(canary, f"doc-{canary}.pdf"),
    ]
    receipt = receipt_of(wb.post(reverse("whistleblowing:report_new"), data))
    case = Case.objects.get()
    case_route(case_id=case.pk)

    assert (
        wb.post(
            reverse("whistleblowing:followup"), {"receipt": receipt, "nonce": new_nonce()}
        ).status_code
        == 302
    )
    wb.post(
        reverse("whistleblowing:followup_message"),
        {
            "body": f"Mensaje {canary}",
            "files": [SimpleUploadedFile("x.txt", f"Adjunto {canary}".encode())],
        },
    )
    wb.post(
        reverse("whistleblowing:followup_protection"),
        {"what": f"Qué {canary}", "when": f"Cuándo {canary}", "who": f"Quién {canary}"},
    )
    handler = Client()
    sign_in(handler, contact)
    handler.post(
        reverse("whistleblowing:handle_message", args=[case.pk]), {"body": f"Respuesta {canary}"}
    )
    protection = ProtectionRequest.objects.get()
    handler.post(
        reverse("whistleblowing:handle_protection", args=[case.pk, protection.pk]),
        {f"p{protection.pk}-status": "review", f"p{protection.pk}-measures": f"Medidas {canary}"},
    )
    handler.post(
        reverse("whistleblowing:identity_request", args=[case.pk]),
        {"reasoning": f"Fundamento suficientemente largo para la solicitud {canary}"},
    )
    request = IdentityRequest.objects.get()
    for person in (custodian, second):
        keeper = Client()
        sign_in(keeper, person)
        keeper.post(
            reverse("whistleblowing:custody_decide", args=[request.pk]),
            {f"r{request.pk}-decision": "approve", f"r{request.pk}-note": f"Procede {canary}"},
        )
    page = handler.get(reverse("whistleblowing:identity_read", args=[case.pk])).content.decode()
    assert f"Nombre {canary}" in page  # the journey really stored and opened everything
    followup = wb.get(reverse("whistleblowing:followup_case")).content.decode()
    assert f"Medidas {canary}" in followup and f"Respuesta {canary}" in followup

    # A validation failure with files pending leaves them only sealed in Redis.
    bad = report_data(category, entity, questions, description="")
    bad["files"] = [SimpleUploadedFile("p.txt", f"Pendiente {canary}".encode())]
    wb.post(reverse("whistleblowing:report_new"), bad)

    at_rest = {
        "database": database_text(),
        "pg_dump": pg_dump_text(),
        "redis": redis_contents(),
        "storage": storage_contents(),
        "logs": caplog.text.encode(),
    }
    # The dump does show what is stored in clear, bytea included (the checks below can fail).
    report = case.report
    assert case.number.encode() in at_rest["database"]
    if at_rest["pg_dump"]:
        assert case.number.encode() in at_rest["pg_dump"]
    assert bytes(report.receipt_salt).hex().encode() in at_rest["database"]
    for where, content in at_rest.items():
        for form in forms_of(canary):
            assert form not in content, f"the canary is in the {where} ({form[:20]!r})"
        assert CLIENT_ADDRESS.encode() not in content, f"the client address is in the {where}"
        assert CLIENT_ADDRESS.encode().hex().encode() not in content

    anonymous = AuditEvent.objects.filter(action__startswith="whistleblowing.", actor=None)
    assert anonymous.count() >= 3
    local = [timezone.localtime(e.at) for e in anonymous]  # the day as Mexico City counts it
    assert all((t.hour, t.minute, t.second) == (0, 0, 0) for t in local)
