import datetime as dt

from django.core.management.base import BaseCommand

from cases.retention import retention_run


class Command(BaseCommand):
    help = (
        "Delete closed cases past their category's retention period: keys first, then rows "
        "(crypto-shredding). --dry-run only counts them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
        parser.add_argument("--today", type=dt.date.fromisoformat, help="YYYY-MM-DD (tests)")

    def handle(self, *args, dry_run: bool = False, today: dt.date | None = None, **options):
        result = retention_run(today=today, dry_run=dry_run)
        for code, n in sorted(result.per_category.items()):
            self.stdout.write(f"{code}: {n} due")
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{verb} {result.due if dry_run else result.deleted} of {result.due}")
