"""Flags that cross procurement with the ethics declarations and the sanctioned list."""

from __future__ import annotations

import orjson
import pytest

from procurement.actions import ocds_file_import, red_flags_compute
from procurement.models import Buyer, SanctionedSupplier
from tests.ethics.factories import DeclarationFactory

pytestmark = pytest.mark.django_db


def _award_to(ocid: str, rfc: str) -> bytes:
    release = {
        "ocid": ocid,
        "id": "1",
        "date": "2024-03-01T00:00:00-06:00",
        "tag": ["award"],
        "initiationType": "tender",
        "buyer": {"name": "SECRETARÍA X", "identifier": {"id": "SEX0101019Z9"}},
        "tender": {
            "id": "t",
            "procurementMethod": "limited",
            "procurementMethodDetails": "Adjudicación directa",
        },
        "awards": [
            {
                "id": "a1",
                "status": "active",
                "date": "2024-03-01T00:00:00-06:00",
                "value": {"amount": 250000, "currency": "MXN"},
                "suppliers": [{"name": "Proveedor", "identifier": {"id": rfc}}],
            }
        ],
    }
    return orjson.dumps(release)


def test_supplier_declared_by_a_servant_of_the_awarding_entity_is_flagged():
    declaration = DeclarationFactory()  # declares an interest in CAZ010101AB1
    content = b"\n".join([_award_to("ocds-1", "CAZ010101AB1"), _award_to("ocds-2", "OTR010101AAA")])
    assert ocds_file_import(name="x.jsonl", content=content).ok
    Buyer.objects.filter(key="SEX0101019Z9").update(entity=declaration.entity)
    run = red_flags_compute(actor=None, settings_text="[MX02]\n")
    assert run.result == {
        "OCID": {"ocds-1": {"MX02": 1.0}},
        "Tenderer": {"CAZ010101AB1": {"MX02": 1.0}},
    }


def test_no_conflict_flag_while_the_buyer_is_unmapped():
    DeclarationFactory()
    ocds_file_import(name="x.jsonl", content=_award_to("ocds-1", "CAZ010101AB1"))
    assert red_flags_compute(actor=None, settings_text="[MX02]\n").result == {}


def test_sanctioned_supplier_is_flagged():
    ocds_file_import(name="x.jsonl", content=_award_to("ocds-1", "SAN010101AAA"))
    SanctionedSupplier.objects.create(rfc="SAN010101AAA", name="Sancionada SA", source_id="1")
    run = red_flags_compute(actor=None, settings_text="[MX03]\n")
    assert run.result["OCID"] == {"ocds-1": {"MX03": 1.0}}


def test_sanctions_import_reads_pdn_system_3_and_is_idempotent(tmp_path):
    import io

    from django.core.management import call_command

    record = {
        "id": "S3-1",
        "particularSancionado": {"nombreRazonSocial": "Sancionada SA", "rfc": "san010101aaa"},
        "autoridadSancionadora": "Secretaría de la Contraloría General",
        "tipoSancion": [{"clave": "I", "valor": "INHABILITADO"}],
        "inhabilitacion": {"fechaInicial": "2024-01-01", "fechaFinal": "2027-01-01"},
    }
    path = tmp_path / "s3.json"
    path.write_bytes(orjson.dumps({"results": [record, {"id": "no rfc"}]}))
    call_command("sanctions_import", str(path), stdout=io.StringIO())
    call_command("sanctions_import", str(path), stdout=io.StringIO())
    supplier = SanctionedSupplier.objects.get()
    assert supplier.rfc == "SAN010101AAA" and supplier.sanction == "INHABILITADO"
