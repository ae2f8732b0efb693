"""make backup / make restore round-trip the database and the encrypted file storage."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.db import connection, transaction

from lacs import crypto, keys
from lacs.audit import audit_record
from lacs.backup import backup_create, backup_restore
from lacs.models import Role
from tests.conftest import ROOT, make_user
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scratch_database():
    conf = dict(connection.settings_dict)
    conf["NAME"] = f"lacs_restore_{os.urandom(4).hex()}"
    params = {"host": conf["HOST"], "user": conf["USER"], "dbname": "postgres"}
    if conf["PORT"]:
        params["port"] = conf["PORT"]
    admin = psycopg2.connect(**params)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{conf["NAME"]}"')
    yield conf
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{conf["NAME"]}" WITH (FORCE)')
    admin.close()


def _url(conf) -> str:
    if conf["HOST"].startswith("/"):
        return f"postgresql://{conf['USER']}@/{conf['NAME']}?host={conf['HOST']}"
    return f"postgresql://{conf['USER']}@{conf['HOST']}:{conf['PORT'] or 5432}/{conf['NAME']}"


def test_backup_restores_into_an_empty_database_that_verifies_and_decrypts(
    tmp_path, scratch_database
):
    user = make_user(Role.CUSTODIAN, None, username="custodia-backup")
    public = crypto.b64d(user.keypair.public_key)
    data_key = crypto.new_data_key()
    media = tmp_path / "media"
    (media / "sealed").mkdir(parents=True)
    (media / "sealed" / "sample.bin").write_bytes(
        crypto.seal_text(data_key, "contenido de muestra")
    )
    wrapped = crypto.wrap_for(public, data_key)
    for i in range(3):
        with transaction.atomic():
            audit_record(action="backup.sample", data={"i": i})

    archive = backup_create(destination=tmp_path / "lacs.tar", media_root=media)
    restored_media = tmp_path / "restored-media"
    backup_restore(source=archive, db=scratch_database, media_root=restored_media)

    env = dict(
        os.environ, DATABASE_URL=_url(scratch_database), DJANGO_SETTINGS_MODULE="lacs.settings_test"
    )
    verify = subprocess.run(
        [sys.executable, "manage.py", "audit_verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verify.returncode == 0, verify.stderr
    assert "3 rows verified" in verify.stdout

    # The restored key pair, opened with the user's password, opens the restored sealed file.
    params = {
        "host": scratch_database["HOST"],
        "user": scratch_database["USER"],
        "dbname": scratch_database["NAME"],
    }
    if scratch_database["PORT"]:
        params["port"] = scratch_database["PORT"]
    with psycopg2.connect(**params) as restored, restored.cursor() as cursor:
        cursor.execute(
            "SELECT wrapped_private_key, salt FROM lacs_userkeypair WHERE user_id = %s", [user.pk]
        )
        wrapped_private, salt = cursor.fetchone()
    private = crypto.open_(
        crypto.derive_key(PASSWORD, crypto.b64d(salt)), crypto.b64d(wrapped_private), b"user-key"
    )
    assert private == keys.user_private_key(user=user, password=PASSWORD)
    blob = Path(restored_media / "sealed" / "sample.bin").read_bytes()
    assert crypto.open_text(crypto.unwrap_with(private, wrapped), blob) == "contenido de muestra"


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, scratch_database):
    import tarfile

    bogus = tmp_path / "bogus.tar"
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"format": "other"}')
    with tarfile.open(bogus, "w") as archive:
        archive.add(manifest, arcname="manifest.json")
    with pytest.raises(ValueError, match="not a LACS backup"):
        backup_restore(source=bogus, db=scratch_database, media_root=tmp_path / "m")


def test_a_restored_copy_opens_a_report_by_receipt_and_by_recipient_key(
    tmp_path, scratch_database, entity
):
    import json

    from cases.actions import case_route
    from tests.factories import CategoryFactory
    from tests.reliability import probe
    from whistleblowing.actions import report_submit

    make_user(Role.CONTACT, entity, username=probe.CONTACT)  # password: PASSWORD
    text = "El jefe de compras pide una comisión por cada contrato"
    report, receipt = report_submit(
        entity=entity, category=CategoryFactory(), answers=[], description=text, files=[]
    )
    case_route(case_id=report.case_id)

    archive = backup_create(destination=tmp_path / "lacs.tar", media_root=tmp_path / "media")
    backup_restore(source=archive, db=scratch_database, media_root=tmp_path / "restored")

    receipts = tmp_path / "receipts.json"
    receipts.write_text(
        json.dumps([{"receipt": receipt, "number": report.case.number, "description": text}])
    )
    env = dict(
        os.environ, DATABASE_URL=_url(scratch_database), DJANGO_SETTINGS_MODULE="lacs.settings_test"
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.reliability.probe", "verify", str(receipts)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert counts["problems"] == []  # the whistle-blower and the recipient read the text
    assert counts["cases"] == counts["routed_done"] == 1
    assert counts["audit_ok"]


def test_a_backup_is_encrypted_to_the_offline_key_and_useless_without_it(
    tmp_path, scratch_database, settings
):
    """The dump holder's attack: a backup file holds no key wrap, TOTP secret or private key in
    clear, and without the offline private key it restores nothing."""
    private, public = crypto.new_keypair()
    settings.BACKUP_PUBLIC_KEY = crypto.b64e(public)
    user = make_user(Role.CUSTODIAN, None, username="custodia-respaldo")
    archive = backup_create(destination=tmp_path / "lacs.tar.enc", media_root=tmp_path / "m")
    body = archive.read_bytes()
    for secret in (
        user.keypair.wrapped_private_key,
        user.keypair.salt,
        "PGDMP",
        "lacs_userkeypair",
    ):
        assert secret.encode() not in body
    wrong, _ = crypto.new_keypair()
    with pytest.raises(ValueError, match="does not open"):
        backup_restore(
            source=archive, db=scratch_database, media_root=tmp_path / "r", private_key=wrong
        )
    cut = tmp_path / "cut.tar.enc"
    cut.write_bytes(body[: len(body) - 20])
    with pytest.raises(ValueError):
        backup_restore(
            source=cut, db=scratch_database, media_root=tmp_path / "r", private_key=private
        )
    key_file = tmp_path / "backup.key"
    key_file.write_text(crypto.b64e(private))
    env = dict(
        os.environ, DATABASE_URL=_url(scratch_database), DJANGO_SETTINGS_MODULE="lacs.settings_test"
    )
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "restore",
            str(archive),
            "--yes",
            "--private-key",
            str(key_file),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    with psycopg2.connect(_url(scratch_database)) as restored, restored.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM lacs_userkeypair WHERE user_id = %s", [user.pk])
        assert cursor.fetchone() == (1,)
