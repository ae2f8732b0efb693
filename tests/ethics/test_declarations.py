import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ethics import actions, interest
from ethics.models import Declaration, DeclarationKind, DeclarationStatus
from lacs.models import Role
from tests.conftest import make_user, sign_in
from tests.ethics.factories import sample_interest

pytestmark = pytest.mark.django_db


def test_servant_starts_files_and_the_deadline_comes_from_the_appointment(
    servant, appointment, audit_count
):
    draft = actions.declaration_start(
        actor=servant, appointment=appointment, kind=DeclarationKind.INITIAL
    )
    assert draft.due_date == appointment.start + dt.timedelta(days=60)
    assert draft.interest == interest.empty_interest()
    filed = actions.declaration_file(actor=servant, declaration=draft)
    assert filed.status == DeclarationStatus.FILED
    assert filed.filed_late  # appointed in 2020
    assert audit_count("ethics.declaration_file") == 1


def test_duplicate_initial_declaration_is_refused_and_nothing_changes(
    servant, appointment, audit_count
):
    actions.declaration_start(actor=servant, appointment=appointment, kind=DeclarationKind.INITIAL)
    before = audit_count()
    with pytest.raises(ValidationError, match="Ya existe una declaración inicial"):
        actions.declaration_start(
            actor=servant, appointment=appointment, kind=DeclarationKind.INITIAL
        )
    assert Declaration.objects.count() == 1
    assert audit_count() == before


def test_conclusion_needs_the_servant_to_have_left(servant, appointment):
    with pytest.raises(ValidationError):
        actions.declaration_start(
            actor=servant, appointment=appointment, kind=DeclarationKind.CONCLUSION
        )
    appointment.end = timezone.localdate() - dt.timedelta(days=3)
    appointment.save()
    draft = actions.declaration_start(
        actor=servant, appointment=appointment, kind=DeclarationKind.CONCLUSION
    )
    assert draft.due_date == appointment.end + dt.timedelta(days=60)


def test_next_declaration_carries_items_forward_as_unchanged_and_drops_removed(
    servant, appointment
):
    first = actions.declaration_start(
        actor=servant, appointment=appointment, kind=DeclarationKind.INITIAL
    )
    actions.declaration_save(actor=servant, declaration=first, interest=sample_interest())
    actions.declaration_file(actor=servant, declaration=first)
    update = actions.declaration_start(
        actor=servant, appointment=appointment, kind=DeclarationKind.UPDATE
    )
    items = update.interest["participacion"]["participacion"]
    assert [i["tipoOperacion"] for i in items] == ["SIN_CAMBIOS", "SIN_CAMBIOS"]
    assert "Empresa Vendida SA" not in str(update.interest)


def test_invalid_declaration_keeps_the_draft_and_names_the_field(servant, appointment):
    draft = actions.declaration_start(
        actor=servant, appointment=appointment, kind=DeclarationKind.UPDATE
    )
    bad = sample_interest()
    item = bad["participacion"]["participacion"][0]
    item["porcentajeParticipacion"] = 150
    item["rfc"] = "NOT-AN-RFC"
    item["montoMensual"] = {"valor": -5, "moneda": "MXN"}
    bad["participacionTomaDecisiones"] = {
        "participacion": [
            {
                "tipoOperacion": "AGREGAR",
                "tipoRelacion": "DECLARANTE",
                "nombreInstitucion": "Asociación Futura AC",
                "fechaInicioParticipacion": (
                    timezone.localdate() + dt.timedelta(days=5)
                ).isoformat(),
            }
        ]
    }
    actions.declaration_save(actor=servant, declaration=draft, interest=bad)
    with pytest.raises(actions.DeclarationInvalid) as caught:
        actions.declaration_file(actor=servant, declaration=draft)
    paths = {p.path for p in caught.value.problems}
    assert "participacion.participacion.0.porcentajeParticipacion" in paths
    assert "participacion.participacion.0.rfc" in paths
    assert "participacion.participacion.0.montoMensual.valor" in paths
    assert "participacionTomaDecisiones.participacion.0.fechaInicioParticipacion" in paths
    draft.refresh_from_db()
    assert draft.status == DeclarationStatus.DRAFT
    assert draft.interest == bad


def test_wrong_enum_value_is_refused_by_the_system_1_schema():
    data = sample_interest()
    data["participacion"]["participacion"][0]["tipoOperacion"] = "BORRAR"
    problems = interest.validate(data)
    assert [p.path for p in problems] == ["participacion.participacion.0.tipoOperacion"]


def test_another_user_cannot_change_or_file_a_draft(servant, appointment, entity, audit_count):
    draft = actions.declaration_start(
        actor=servant, appointment=appointment, kind=DeclarationKind.UPDATE
    )
    contact = make_user(Role.CONTACT, entity)
    before = audit_count()
    with pytest.raises(ValidationError):
        actions.declaration_file(actor=contact, declaration=draft)
    with pytest.raises(ValidationError):
        actions.declaration_save(actor=contact, declaration=draft, interest=sample_interest())
    draft.refresh_from_db()
    assert draft.status == DeclarationStatus.DRAFT
    assert draft.interest == interest.empty_interest()
    assert audit_count() == before


def test_item_form_adds_an_item_and_flags_keep_the_operation(client, servant, appointment):
    sign_in(client, servant)
    draft = actions.declaration_start(
        actor=servant, appointment=appointment, kind=DeclarationKind.UPDATE
    )
    url = reverse("ethics:declaration_item_add", args=[draft.pk, "representacion"])
    response = client.post(
        url,
        {
            "tipoRelacion": "DECLARANTE",
            "tipoRepresentacion": "REPRESENTANTE",
            "tipoPersona": "MORAL",
            "nombreRazonSocial": "Transportes del Valle SA de CV",
            "rfc": "tva100101xy1",
            "montoMensual": "12000",
            "sector": "TRANS",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    item = draft.interest["representacion"]["representacion"][0]
    assert item["tipoOperacion"] == "AGREGAR"
    assert item["rfc"] == "TVA100101XY1"
    assert item["montoMensual"] == {"valor": 12000, "moneda": "MXN"}
    assert interest.validate(draft.interest) == []
    flag = reverse("ethics:declaration_item_flag", args=[draft.pk, "representacion", 0])
    client.post(flag, {"operation": "BAJA"})
    draft.refresh_from_db()
    assert draft.interest["representacion"] == {"ninguno": True}  # added, then removed


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rfc", "XX", "RFC"),
        ("montoMensual", "-10", "negativos"),
        ("fechaInicioRepresentacion", "2999-01-01", "futuro"),
    ],
)
def test_item_form_refuses_bad_input_and_keeps_the_draft(
    client, servant, appointment, field, value, message
):
    sign_in(client, servant)
    draft = actions.declaration_start(
        actor=servant, appointment=appointment, kind=DeclarationKind.UPDATE
    )
    data = {
        "tipoRelacion": "DECLARANTE",
        "tipoRepresentacion": "REPRESENTADO",
        "tipoPersona": "MORAL",
        "nombreRazonSocial": "Transportes del Valle SA de CV",
        field: value,
    }
    url = reverse("ethics:declaration_item_add", args=[draft.pk, "representacion"])
    response = client.post(url, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert draft.interest == interest.empty_interest()


def test_reviewer_sees_the_full_declaration_others_only_the_public_version(
    client, servant, appointment, entity, other_entity
):
    draft = actions.declaration_start(
        actor=servant, appointment=appointment, kind=DeclarationKind.INITIAL
    )
    actions.declaration_save(actor=servant, declaration=draft, interest=sample_interest())
    actions.declaration_file(actor=servant, declaration=draft)
    reviewer = make_user(Role.INVESTIGATOR, entity)
    sign_in(client, reviewer)
    full = client.get(reverse("ethics:declaration", args=[draft.pk])).content.decode()
    assert "Pinturas Secretas SA" in full and "Juana Privada" in full
    outsider = make_user(Role.SERVANT, other_entity)
    sign_in(client, outsider)
    assert client.get(reverse("ethics:declaration", args=[draft.pk])).status_code == 404
    public = client.get(reverse("ethics:declaration_public", args=[draft.pk])).content.decode()
    assert "Constructora Azteca SA de CV" in public
    for private in ("Pinturas Secretas SA", "Juana Privada", "PEPJ800101AB1"):
        assert private not in public


def test_public_view_removes_partner_items_natural_persons_and_clarifications():
    data = sample_interest()
    data["participacion"]["aclaracionesObservaciones"] = "Mi pareja vive en ..."
    public = interest.public_view(data)
    text = str(public)
    assert "Pinturas Secretas" not in text
    assert "Juana Privada" not in text
    assert "Mi pareja" not in text
    assert "Constructora Azteca" in text


def test_declaration_list_shows_missing_declarations(client, servant):
    sign_in(client, servant)
    page = client.get(reverse("ethics:declarations")).content.decode()
    assert "vencida" in page  # appointed in 2020: initial and yearly modifications missing


def test_a_reviewer_reading_a_declaration_leaves_an_audit_row(client, entity, audit_count):
    from tests.ethics.factories import DeclarationFactory

    declaration = DeclarationFactory(appointment__entity=entity)
    sign_in(client, make_user(Role.CONTACT, entity))
    client.get(reverse("ethics:declaration", args=[declaration.pk]))
    assert audit_count("ethics.declaration_read") == 1


def test_reviewer_list_flags_declared_companies_that_supply_the_entity(client, entity):
    from procurement.models import Buyer, Process
    from tests.ethics.factories import DeclarationFactory

    DeclarationFactory(appointment__entity=entity)
    buyer = Buyer.objects.create(key="B-1", name="SEMOVI", entity=entity)
    Process.objects.create(
        ocid="ocds-x-1", data={}, digest="d", buyer=buyer, supplier_keys=["CAZ010101AB1"]
    )
    sign_in(client, make_user(Role.INVESTIGATOR, entity))
    page = client.get(reverse("ethics:declarations_review")).content.decode()
    assert "<strong>Constructora Azteca SA de CV</strong>" in page
    assert "Pinturas Secretas" not in page  # declared, but not a supplier


def test_a_former_servant_files_the_conclusion_declaration_after_leaving(
    client, servant, appointment
):
    appointment.end = timezone.localdate() - dt.timedelta(days=5)
    appointment.save()
    sign_in(client, servant)
    assert client.get(reverse("ethics:declarations")).status_code == 200
    response = client.post(
        reverse("ethics:declaration_start"),
        {"appointment": appointment.pk, "kind": DeclarationKind.CONCLUSION},
    )
    declaration = Declaration.objects.get(declarant=servant)
    assert response.url == reverse("ethics:declaration", args=[declaration.pk])
    client.post(reverse("ethics:declaration_file", args=[declaration.pk]))
    declaration.refresh_from_db()
    assert declaration.is_filed and not declaration.filed_late


def test_section_clarifications_are_kept_private(client, servant, appointment):
    sign_in(client, servant)
    draft = actions.declaration_start(
        actor=servant, appointment=appointment, kind=DeclarationKind.UPDATE
    )
    url = reverse("ethics:declaration_section_note", args=[draft.pk, "apoyos"])
    client.post(url, {"note": "Mi hija recibe una beca"})
    draft.refresh_from_db()
    assert draft.interest["apoyos"] == {
        "ninguno": True,
        "aclaracionesObservaciones": "Mi hija recibe una beca",
    }
    assert interest.validate(draft.interest) == []
    actions.declaration_file(actor=servant, declaration=draft)
    public = client.get(reverse("ethics:declaration_public", args=[draft.pk])).content.decode()
    assert "beca" not in public
