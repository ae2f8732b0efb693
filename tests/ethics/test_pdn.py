import json

import pytest
from jsonschema import Draft202012Validator

from ethics.api import pdn
from ethics.api.pdn import DECLARATIONS_SPEC
from ethics.interest import schema
from lacs.models import Role
from tests.conftest import make_user
from tests.ethics.factories import DeclarationFactory

pytestmark = pytest.mark.django_db
SPEC = DECLARATIONS_SPEC.parent / "OAS_API_Declaraciones_Inicial.json"


def test_s1_records_are_public_for_strangers_and_full_for_reviewers(entity):
    declaration = DeclarationFactory()
    records, total = pdn.s1_records(user=None)
    assert total == 1
    text = json.dumps(records, ensure_ascii=False)
    assert "Pinturas Secretas" not in text and "Constructora Azteca" in text
    reviewer = make_user(Role.CONTACT, declaration.entity)
    records, _ = pdn.s1_records(user=reviewer, declaration_id=str(declaration.pk))
    assert "Pinturas Secretas" in json.dumps(records, ensure_ascii=False)
    interes = records[0]["declaracion"]["interes"]
    assert not list(Draft202012Validator(schema()).iter_errors(interes))
    assert records[0]["metadata"]["tipo"] == "INICIAL"


def test_s1_metadata_matches_the_specification():
    spec = json.loads(SPEC.read_text())
    item = spec["components"]["schemas"]["resDeclaraciones"]["properties"]["results"]["items"]
    metadata = {
        **item["properties"]["metadata"],
        "$schema": "http://json-schema.org/draft-07/schema#",
    }
    record = pdn.s1_record(DeclarationFactory(), full=False)
    assert not list(Draft202012Validator(metadata).iter_errors(record["metadata"]))
