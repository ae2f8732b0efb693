from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lacs.backup import backup_private_key, backup_restore


class Command(BaseCommand):
    help = "Replace the database and the file storage with a backup made by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path)
        parser.add_argument(
            "--private-key",
            type=Path,
            help="file with the backup private key (base64 X25519), kept offline",
        )
        parser.add_argument(
            "--yes", action="store_true", help="confirm that current data is replaced"
        )

    def handle(self, *args, source: Path, yes: bool = False, private_key=None, **options):
        if not source.exists():
            raise CommandError(f"{source} does not exist")
        if not yes:
            raise CommandError(
                "restore replaces every row and file: run again with --yes to confirm"
            )
        try:
            backup_restore(source=source, private_key=backup_private_key(private_key))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restored from {source}; run `manage.py audit_verify` to check the log")
