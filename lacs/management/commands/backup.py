from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from lacs.backup import backup_create


class Command(BaseCommand):
    help = (
        "Back up the database and the encrypted file storage into one file, encrypted to "
        "LACS_BACKUP_PUBLIC_KEY."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, help="file to write (default .run/backups/lacs-<time>.tar.enc)"
        )

    def handle(self, *args, output: Path | None = None, **options):
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        target = output or Path(settings.BASE_DIR) / ".run" / "backups" / f"lacs-{stamp}.tar.enc"
        backup_create(destination=target)
        self.stdout.write(f"backup written: {target}")
