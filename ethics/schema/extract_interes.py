"""Extract the interest part (``declaracion.interes``) of the PDN System 1 declarations schema.

Run from the repository: ``python ethics/schema/extract_interes.py PATH/OAS_API_Declaraciones_Inicial.json``.
The three declaration specs (inicial, modificación, conclusión) share the same interest
subschemas, so one file serves all of them. References are rewritten to ``#/$defs/…``.
"""

import json
import re
import sys
from pathlib import Path

SECTIONS = {
    "participacion": "participacion",
    "participacionTomaDecisiones": "participacionTomaDecisiones",
    "apoyos": "apoyos",
    "representacion": "representaciones",
    "clientesPrincipales": "clientesPrincipales",
    "beneficiosPrivados": "beneficiosPrivados",
    "fideicomisos": "fideicomisos",
}
REF = re.compile(r"#/components/schemas/(\w+)")


def extract(spec: dict) -> dict:
    schemas = spec["components"]["schemas"]
    needed, queue = set(), list(SECTIONS.values())
    while queue:
        name = queue.pop()
        if name in needed:
            continue
        needed.add(name)
        queue.extend(REF.findall(json.dumps(schemas[name])))
    text = json.dumps({name: schemas[name] for name in sorted(needed)}, ensure_ascii=False)
    defs = json.loads(REF.sub(r"#/$defs/\1", text))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://lacs.cdmx.example/schema/pdn-s1-interes.json",
        "title": "PDN Sistema 1 — declaración de intereses (declaracion.interes)",
        "type": "object",
        "properties": {key: {"$ref": f"#/$defs/{name}"} for key, name in SECTIONS.items()},
        "$defs": defs,
    }


if __name__ == "__main__":
    source = json.loads(Path(sys.argv[1]).read_text())
    out = Path(__file__).with_name("pdn_s1_interes.json")
    out.write_text(json.dumps(extract(source), ensure_ascii=False, indent=1) + "\n")
