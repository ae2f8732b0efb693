"""`make demo` loads every app's demo data on an empty database, twice without harm."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from lacs import crypto
from lacs.audit import audit_verify
from lacs.management.commands.demo_seed import DEMO_USERS
from lacs.models import Entity

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_seed_loads_everything_and_prints_the_log_ins(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = StringIO()
    call_command("demo_seed", stdout=out)
    call_command("demo_seed", stdout=StringIO())  # idempotent
    text = out.getvalue()
    for username, *_ in DEMO_USERS:
        assert get_user_model().objects.filter(username=username).exists()
        assert f"  {username}" in text
    assert "otpauth://totp/" in text
    printed = text.split("for /cases/recovery/: ")[1].split()[0]
    semovi = Entity.objects.get(acronym="SEMOVI")
    assert crypto.b64e(crypto.public_from_private(crypto.b64d(printed))) == (
        semovi.escrow_public_key
    )
    assert audit_verify().ok
