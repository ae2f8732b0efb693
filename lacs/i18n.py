"""Compile the .po catalogues (``locale/`` and each app's ``<app>/locale/``) into .mo files.

polib does it in Python, so no system gettext is needed on a fresh machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

BASE_DIR = Path(__file__).resolve().parent.parent
PATTERNS = (
    "locale/*/LC_MESSAGES/*.po",
    "*/locale/*/LC_MESSAGES/*.po",
    "lacs/*/locale/*/LC_MESSAGES/*.po",
)


def compile_all() -> int:
    count = 0
    paths = {path for pattern in PATTERNS for path in BASE_DIR.glob(pattern)}
    for po_path in sorted(p for p in paths if ".venv" not in p.parts):
        catalogue = polib.pofile(str(po_path))
        catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
        count += 1
    return count


if __name__ == "__main__":
    print(f"compiled {compile_all()} catalogue(s)")
    sys.exit(0)
