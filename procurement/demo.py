"""Demo data: Mexico City's sample OCDS packages plus synthetic processes, flags computed."""

from __future__ import annotations

import random
from pathlib import Path

import orjson

from lacs.models import Entity
from procurement.actions import ocds_file_import, red_flags_compute
from procurement.models import Buyer, FlagRun

DATA = Path(__file__).resolve().parent / "demo_data"
BUYERS = (
    ("SAF0101019Z1", "SECRETARÍA DE ADMINISTRACIÓN Y FINANZAS", "SAF"),
    ("SEM0101019Z2", "SECRETARÍA DE MOVILIDAD", "SEMOVI"),
    ("GDF9712054NA", "SECRETARÍA DE FINANZAS", "SAF"),
)
METHODS = (
    ("open", "Licitación Pública", 0.15),
    ("selective", "Invitación restringida a cuando menos tres personas", 0.2),
    ("limited", "Adjudicación directa", 0.65),
)


def _release(number: int, rng: random.Random) -> dict:
    buyer_id, buyer_name, _ = BUYERS[number % 2]
    roll, method = rng.random(), METHODS[-1]
    for candidate in METHODS:
        roll -= candidate[2]
        if roll <= 0:
            method = candidate
            break
    year = 2016 + number % 3
    amount = round(rng.uniform(50_000, 900_000), 2)
    supplier = f"PRV{number % 7:03d}0101AA{number % 7}"
    if number % 11 == 0:  # just below the 400,000 peso threshold
        method, amount = METHODS[2], 395_000.0
    date = f"{year}-{1 + number % 12:02d}-15T00:00:00-06:00"
    return {
        "ocid": f"ocds-demo-{number:04d}",
        "id": "1",
        "date": date,
        "tag": ["award"],
        "initiationType": "tender",
        "buyer": {"name": buyer_name, "identifier": {"id": buyer_id}},
        "tender": {
            "id": f"t{number}",
            "title": f"Adquisición demostrativa {number}",
            "procurementMethod": method[0],
            "procurementMethodDetails": method[1],
            "procurementMethodRationale": ""
            if method[0] == "open"
            else f"DE CONFORMIDAD CON EL ARTICULO {54 if number % 2 else 55} FRACCION "
            f"{'II BIS' if number % 3 else 'IV'} DE LA LEY DE ADQUISICIONES PARA EL DISTRITO FEDERAL",
            "tenderPeriod": {"startDate": date, "endDate": date},
            "numberOfTenderers": 1 if number % 5 == 0 else 3,
        },
        "awards": [
            {
                "id": "1",
                "status": "active",
                "date": date,
                "value": {"amount": amount, "currency": "MXN"},
                "suppliers": [{"name": f"Proveedor {supplier}", "identifier": {"id": supplier}}],
            }
        ],
    }


def seed(*, users, stdout) -> None:
    for name in ("release-package-1.json", "release-package-2.json"):
        ocds_file_import(name=name, content=(DATA / name).read_bytes())
    rng = random.Random(2016)  # noqa: S311 — reproducible demo data, not secrets
    lines = b"\n".join(orjson.dumps(_release(n, rng)) for n in range(120))
    ocds_file_import(name="demo.jsonl", content=lines)
    for key, _name, acronym in BUYERS:
        entity = Entity.objects.filter(acronym=acronym).first()
        if entity is not None:
            Buyer.objects.filter(key=key, entity__isnull=True).update(entity=entity)
    if not FlagRun.objects.exists():
        red_flags_compute(actor=users.get("analyst"))
    stdout.write("procurement: demo processes imported and red flags computed")
