from django.core.management.base import BaseCommand

from lacs.seed import seed_reference_data


class Command(BaseCommand):
    help = "Load Mexico City's entity tree and the misconduct categories (idempotent)."

    def handle(self, *args, **options):
        created = seed_reference_data()
        self.stdout.write(f"reference data loaded ({created} entities created)")
