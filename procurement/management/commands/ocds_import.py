"""``ocds_import PATH...``: import OCDS files (packages or JSON Lines) or folders of them."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from procurement.actions import ocds_file_import

SUFFIXES = {".json", ".jsonl", ".ndjson"}


def _files(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(f"{raw}: no existe")
    return found


class Command(BaseCommand):
    help = "Importa datos OCDS; cada archivo entra completo o no entra."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")
        parser.add_argument(
            "--lenient",
            action="store_true",
            help="importa las entregas fuera del esquema y muestra sus fallas como avisos",
        )

    def handle(self, *args, **options):
        failed = 0
        for path in _files(options["paths"]):
            content = path.read_bytes()
            result = ocds_file_import(name=path.name, content=content, lenient=options["lenient"])
            for warning in result.warnings:
                self.stderr.write(f"{path}: aviso: {warning}")
            if result.ok:
                self.stdout.write(
                    f"{path}: {result.releases_new} nuevas, {result.releases_unchanged} sin "
                    f"cambios, {result.processes_changed} procedimientos actualizados"
                )
                continue
            failed += 1
            for problem in result.problems:
                self.stderr.write(f"{path}: {problem}")
        if failed:
            raise CommandError(f"{failed} archivo(s) no se importaron")
