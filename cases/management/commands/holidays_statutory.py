"""Add a year's federal statutory rest days to the holiday calendar (audited):

manage.py holidays_statutory 2027
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cases.actions import holidays_statutory_add


class Command(BaseCommand):
    help = (
        "Add a year's statutory rest days (Ley Federal del Trabajo, art. 74) as non-working days."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("year", type=int)

    def handle(self, *args, year: int, **opts) -> None:
        added = holidays_statutory_add(actor=None, year=year)
        self.stdout.write(f"{added} non-working day(s) added for {year}")
