"""``sanctions_import FILE.json``: the sanctioned-supplier list in the PDN System 3 format."""

from __future__ import annotations

from pathlib import Path

import orjson
from django.core.management.base import BaseCommand, CommandError

from procurement.actions import sanctioned_suppliers_import


class Command(BaseCommand):
    help = "Importa particulares sancionados (formato del Sistema 3 de la PDN)."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, **options):
        try:
            document = orjson.loads(Path(options["path"]).read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise CommandError(f"{options['path']}: {exc}") from exc
        count = sanctioned_suppliers_import(actor=None, document=document)
        self.stdout.write(f"{count} registros")
