"""Fill English msgstrs into a catalogue from a JSON mapping: python scripts/po_fill.py PO JSON.

Developer convenience for keeping catalogues complete after `makemessages`.
"""

import json
import sys

import polib

catalogue = polib.pofile(sys.argv[1])
with open(sys.argv[2], encoding="utf-8") as handle:
    mapping = json.load(handle)
for entry in catalogue:
    if entry.msgid in mapping:
        entry.msgstr = mapping[entry.msgid]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
catalogue.metadata_is_fuzzy = False
catalogue.save()
missing = [e.msgid for e in catalogue.untranslated_entries() + catalogue.fuzzy_entries()]
print("untranslated:", missing)
