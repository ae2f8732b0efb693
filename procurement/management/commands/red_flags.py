"""``red_flags indicators [-s SETTINGS.ini] FILE.jsonl``: Cardinal's command, Cardinal's output.

``red_flags compute [-s SETTINGS.ini]`` computes the flags over the imported compiled releases
and stores them for the flags page.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import orjson
from django.core.management.base import BaseCommand, CommandError

from procurement.indicators import Settings, indicators_compute


def _settings(path: str | None) -> Settings:
    if path is None:
        return Settings.defaults()
    try:
        return Settings.from_ini(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"{path}: {exc}") from exc


def _releases(path: str):
    stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    with stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                release = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                sys.stderr.write(f"{path}:{number}: {exc}\n")
                continue
            if isinstance(release, dict):
                yield release


class Command(BaseCommand):
    help = "Red-flag indicators (OCDS Cardinal's definitions and output)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        indicators = sub.add_parser("indicators", help="Indicators over a JSON Lines file.")
        indicators.add_argument("-s", "--settings", help="Cardinal settings file (INI).")
        indicators.add_argument(
            "--no-meta",
            action="store_true",
            help="Accepted as Cardinal's documentation writes it; the output never has Meta.",
        )
        indicators.add_argument("file", help="Compiled releases, one per line ('-' for stdin).")
        compute = sub.add_parser("compute", help="Indicators over the imported releases.")
        compute.add_argument("-s", "--settings", help="Cardinal settings file (INI).")

    def handle(self, *args, **options):
        if options["subcommand"] == "indicators":
            result = indicators_compute(_releases(options["file"]), _settings(options["settings"]))
            self.stdout.write(json.dumps(result, separators=(",", ":"), ensure_ascii=False))
            return
        from procurement.actions import red_flags_compute

        text = None
        if options["settings"]:
            text = Path(options["settings"]).read_text(encoding="utf-8")
        run = red_flags_compute(actor=None, settings_text=text)
        self.stdout.write(f"{run.flag_count} flags")
