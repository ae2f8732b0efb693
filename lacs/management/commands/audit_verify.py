from django.core.management.base import BaseCommand, CommandError

from lacs.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit non-zero naming the first broken row."

    def handle(self, *args, **options):
        result = audit_verify()
        if not result.ok:
            raise CommandError(
                f"audit log broken: {result.problem} ({result.checked} rows verified before it)"
            )
        self.stdout.write(f"audit log intact: {result.checked} rows verified")
