import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ethics import actions, selectors
from ethics.models import (
    AdviceRequest,
    CodeAcknowledgement,
    ConflictStatus,
    Gift,
    GiftDecision,
    ReminderShown,
)
from lacs.models import Role
from tests.conftest import make_user, sign_in
from tests.ethics.factories import CodeVersionFactory, DeclarationFactory

pytestmark = pytest.mark.django_db


# --- The code ------------------------------------------------------------------------------------
def test_admin_publishes_a_version_and_servants_acknowledge_it(servant, entity, audit_count):
    admin = make_user(Role.ADMIN)
    version = actions.code_version_create(
        actor=admin,
        title="Código",
        conflict_definition="Definición",
        principles=[{"name": "Legalidad", "description": "…"}],
    )
    assert version.number == 1 and not version.is_published
    with pytest.raises(ValidationError):
        actions.code_acknowledge(actor=servant, version=version, entity=entity)
    actions.code_version_publish(actor=admin, version=version)
    actions.code_acknowledge(actor=servant, version=version, entity=entity)
    assert selectors.acknowledgement_compliance(entity_ids=[entity.pk]) == {
        entity.pk: {"servants": 1, "acknowledged": 1}
    }
    assert audit_count("ethics.code_acknowledge") == 1


def test_second_acknowledgement_is_refused_without_a_second_row(servant, entity, audit_count):
    version = CodeVersionFactory()
    actions.code_acknowledge(actor=servant, version=version, entity=entity)
    before = audit_count()
    with pytest.raises(ValidationError):
        actions.code_acknowledge(actor=servant, version=version, entity=entity)
    assert CodeAcknowledgement.objects.count() == 1
    assert audit_count() == before


def test_publishing_twice_is_refused(audit_count):
    admin = make_user(Role.ADMIN)
    version = CodeVersionFactory()
    before = audit_count()
    with pytest.raises(ValidationError):
        actions.code_version_publish(actor=admin, version=version)
    assert audit_count() == before


def test_entity_page_names_who_has_not_acknowledged(client, servant, entity):
    CodeVersionFactory()
    contact = make_user(Role.CONTACT, entity)
    sign_in(client, contact)
    page = client.get(reverse("ethics:entity_compliance", args=[entity.pk])).content.decode()
    assert servant.get_full_name() in page


def test_cpc_sees_counts_but_no_names(client, servant, entity):
    CodeVersionFactory()
    cpc = make_user(Role.CPC)
    sign_in(client, cpc)
    page = client.get(reverse("ethics:compliance")).content.decode()
    export = client.get(reverse("ethics:compliance_csv")).content.decode()
    assert entity.name in page and entity.name in export
    assert servant.get_full_name() not in page
    assert servant.last_name not in export and servant.username not in export
    assert client.get(reverse("ethics:entity_compliance", args=[entity.pk])).status_code == 404


# --- Gifts ---------------------------------------------------------------------------------------
def _gift_fields(**extra):
    return {
        "kind": "gift",
        "giver_kind": "FISICA",
        "giver_name": "Rodolfo Particular Gómez",
        "giver_rfc": "PAGR800101AB1",
        "value": Decimal("5000"),
        "offered_on": timezone.localdate(),
        "occasion": "Cierre de contrato",
        "decision": GiftDecision.ACCEPTED,
        "notes": "Nota confidencial",
        **extra,
    }


def test_gift_over_the_threshold_is_flagged_and_must_be_handed_over(servant, entity):
    CodeVersionFactory(gift_threshold=Decimal("1000"))
    gift = actions.gift_record(actor=servant, entity=entity, **_gift_fields())
    assert gift.over_threshold and gift.needs_handover
    actions.gift_hand_over(actor=servant, gift=gift)
    gift.refresh_from_db()
    assert gift.decision == GiftDecision.HANDED_OVER and not gift.needs_handover
    small = actions.gift_record(actor=servant, entity=entity, **_gift_fields(value=Decimal(10)))
    assert not small.over_threshold


@pytest.mark.parametrize(
    "bad",
    [
        {"value": Decimal("-1")},
        {"offered_on": dt.date.today() + dt.timedelta(days=2)},  # noqa: DTZ011
    ],
)
def test_gift_with_bad_input_is_refused_and_not_stored(servant, entity, audit_count, bad):
    before = audit_count()
    with pytest.raises(ValidationError):
        actions.gift_record(actor=servant, entity=entity, **_gift_fields(**bad))
    assert Gift.objects.count() == 0
    assert audit_count() == before


def test_gift_form_refuses_a_wrong_rfc(client, servant):
    sign_in(client, servant)
    data = {**_gift_fields(giver_rfc="ABC"), "offered_on": timezone.localdate().isoformat()}
    response = client.post(reverse("ethics:gifts"), data)
    assert response.status_code == 200
    assert "RFC" in response.content.decode()
    assert Gift.objects.count() == 0


def test_public_gift_register_never_shows_private_fields(client, servant, entity):
    actions.gift_record(actor=servant, entity=entity, **_gift_fields())
    actions.gift_record(
        actor=servant,
        entity=entity,
        **_gift_fields(giver_kind="MORAL", giver_name="Proveedora Pública SA", value=Decimal(200)),
    )
    page = client.get(reverse("ethics:gifts_public")).content.decode()
    export = client.get(reverse("ethics:gifts_public_csv")).content.decode()
    api = client.get(reverse("api-ethics-gifts-public")).content.decode()
    assert "Proveedora Pública SA" in page and "Proveedora Pública SA" in export
    assert entity.name in page
    for private in (
        "Rodolfo Particular",
        "PAGR800101AB1",
        "Nota confidencial",
        servant.username,
        servant.last_name,
    ):
        assert private not in page and private not in export and private not in api


# --- Advice --------------------------------------------------------------------------------------
def test_servant_asks_contact_answers_and_publishes_anonymised_guidance(
    client, servant, entity, audit_count
):
    contact = make_user(Role.CONTACT, entity)
    request = actions.advice_ask(
        actor=servant, entity=entity, question="¿Puedo dar clases en la empresa X?"
    )
    assert request.due_date == timezone.localdate() + dt.timedelta(days=actions.ADVICE_ANSWER_DAYS)
    sign_in(client, contact)
    client.post(reverse("ethics:advice_detail", args=[request.pk]), {"answer": "Consulte antes."})
    request.refresh_from_db()
    assert request.answer == "Consulte antes." and request.answered_by == contact
    client.post(
        reverse("ethics:advice_publish", args=[request.pk]),
        {"question": "¿Puedo dar clases?", "answer": "Consulte antes."},
    )
    page = client.get(reverse("ethics:guidance")).content.decode()
    assert "¿Puedo dar clases?" in page
    assert "empresa X" not in page
    assert audit_count("ethics.advice_publish") == 1


def test_contact_of_another_entity_cannot_read_or_answer(client, servant, entity, other_entity):
    request = actions.advice_ask(actor=servant, entity=entity, question="Pregunta privada")
    other = make_user(Role.CONTACT, other_entity)
    sign_in(client, other)
    url = reverse("ethics:advice_detail", args=[request.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"answer": "Intruso"}).status_code == 404
    request.refresh_from_db()
    assert request.answer == "" and request.answered_at is None
    assert AdviceRequest.objects.count() == 1


# --- Conflicts -----------------------------------------------------------------------------------
def test_reviewer_opens_a_conflict_adds_a_recusal_and_closes_it(servant, appointment, entity):
    contact = make_user(Role.CONTACT, entity)
    declaration = DeclarationFactory(appointment=appointment)
    case = actions.conflict_open(
        actor=contact,
        entity=entity,
        servant=servant,
        kind="apparent",
        summary="Accionista de un proveedor",
        declaration=declaration,
    )
    follow = timezone.localdate() + dt.timedelta(days=30)
    actions.conflict_measure_add(
        actor=contact, case=case, kind="recusal", detail="Me excuso de ...", follow_up=follow
    )
    case.refresh_from_db()
    assert case.status == ConflictStatus.MANAGED and case.follow_up == follow
    actions.conflict_close(actor=contact, case=case)
    with pytest.raises(ValidationError):
        actions.conflict_measure_add(actor=contact, case=case, kind="divestment", detail="x")
    assert case.measures.count() == 1


def test_other_entity_reviewer_cannot_add_measures(
    client, servant, appointment, entity, other_entity
):
    contact = make_user(Role.CONTACT, entity)
    case = actions.conflict_open(
        actor=contact, entity=entity, servant=servant, kind="actual", summary="x"
    )
    sign_in(client, make_user(Role.CONTACT, other_entity))
    response = client.post(
        reverse("ethics:conflict", args=[case.pk]), {"kind": "recusal", "detail": "intruso"}
    )
    assert response.status_code == 404
    assert case.measures.count() == 0


# --- Moral reminders -----------------------------------------------------------------------------
def test_reminder_is_acknowledged_before_starting_and_completion_is_counted(
    client, servant, appointment
):
    admin = make_user(Role.ADMIN)
    actions.reminder_save(
        actor=admin,
        transaction_name="declaration_file",
        variant="A",
        text="Declarar con verdad protege su nombre.",
    )
    sign_in(client, servant)
    page = client.get(reverse("ethics:declarations")).content.decode()
    assert "Declarar con verdad" in page
    start = reverse("ethics:declaration_start")
    data = {"appointment": appointment.pk, "kind": "ACTUALIZACION"}
    assert client.post(start, data).status_code == 302
    assert ReminderShown.objects.count() == 0  # not acknowledged: nothing started
    response = client.post(start, {**data, "reminder_ack": "1"})
    declaration_url = response.url
    client.post(declaration_url + "file/")
    shown = ReminderShown.objects.get()
    assert shown.acknowledged_at and shown.completed_at and shown.on_time is True


# --- Revolving door ------------------------------------------------------------------------------
def test_post_employment_notice_from_a_former_servant(client, servant, appointment):
    appointment.end = timezone.localdate() - dt.timedelta(days=10)
    appointment.save()
    sign_in(client, servant)
    response = client.post(
        reverse("ethics:post_employment"),
        {
            "appointment": appointment.pk,
            "new_employer": "Constructora Azteca SA de CV",
            "new_employer_rfc": "caz010101ab1",
            "role": "Director",
            "starts_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    notice = appointment.post_employment.get()
    assert notice.new_employer_rfc == "CAZ010101AB1"
    assert notice.within_cooling_off()


def test_screening_with_a_wrong_rfc_is_refused(servant, appointment):
    with pytest.raises(ValidationError):
        actions.screening_submit(
            actor=servant,
            appointment=appointment,
            position="Jefe",
            previous_employer="Empresa",
            previous_employer_rfc="12",
        )
    assert not hasattr(appointment, "screening") or appointment.screening is None


def test_cooling_off_warns_when_the_new_employer_supplies_the_former_entity(
    servant, appointment, entity
):
    from procurement.models import Buyer, Process

    buyer = Buyer.objects.create(key="SEMOVI-T", name="SEMOVI", entity=entity)
    Process.objects.create(
        ocid="ocds-test-1",
        data={},
        digest="x",
        buyer=buyer,
        year=timezone.localdate().year,
        supplier_keys=["CAZ010101AB1"],
        supplier_names=["Constructora Azteca SA de CV"],
    )
    appointment.end = timezone.localdate() - dt.timedelta(days=30)
    appointment.save()
    fields = {"role": "Director", "starts_on": timezone.localdate()}
    supplier = actions.post_employment_notify(
        actor=servant,
        appointment=appointment,
        new_employer="Constructora Azteca SA de CV",
        new_employer_rfc="caz010101ab1",
        **fields,
    )
    other = actions.post_employment_notify(
        actor=servant,
        appointment=appointment,
        new_employer="Universidad",
        new_employer_rfc="UNI010101AB1",
        **fields,
    )
    assert supplier.cooling_off_warning and not other.cooling_off_warning


# --- Education -----------------------------------------------------------------------------------
def test_servant_passes_a_module_and_the_entity_counts_it(client, servant, entity):
    from ethics.models import EducationModule, ModuleCompletion

    module = EducationModule.objects.create(
        title="Obsequios",
        body="…",
        questions=[
            {"question": "¿Acepta?", "options": ["Sí", "No"], "answer": 1},
            {"question": "¿Registra?", "options": ["Sí", "No"], "answer": 0},
        ],
    )
    sign_in(client, servant)
    url = reverse("ethics:education_module", args=[module.pk])
    client.post(url, {"q0": "0", "q1": "0"})
    assert not ModuleCompletion.objects.get().passed
    client.post(url, {"q0": "1", "q1": "0"})
    completion = ModuleCompletion.objects.get()
    assert completion.passed and completion.score == 100
    figures = selectors.education_completion(entity_ids=[entity.pk])
    assert figures[entity.pk] == {"servants": 1, "modules": 1, "passed": 1, "complete": 1}


def test_pages_speak_english_when_asked(client, servant):
    from django.utils import translation

    sign_in(client, servant)
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        page = client.get(reverse("ethics:declarations"), HTTP_ACCEPT_LANGUAGE="en").content
    assert b"My interest declarations" in page


def test_cpc_sees_small_counts_suppressed_while_reviewers_see_them(client, servant, entity):
    from django.conf import settings

    CodeVersionFactory()
    threshold = settings.SMALL_CELL_THRESHOLD
    sign_in(client, make_user(Role.CPC))
    export = client.get(reverse("ethics:compliance_csv")).content.decode()
    row = next(line for line in export.splitlines() if line.startswith(entity.name))
    assert f"<{threshold}" in row  # one servant
    sign_in(client, make_user(Role.CONTACT, entity))
    export = client.get(reverse("ethics:compliance_csv")).content.decode()
    row = next(line for line in export.splitlines() if line.startswith(entity.name))
    assert row.split(",")[1] == "1"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_public_gift_csv_never_carries_a_formula(client, servant, entity, start):
    giver = f'{start}HYPERLINK("http://x.invalid","Proveedora")'
    actions.gift_record(
        actor=servant,
        entity=entity,
        **_gift_fields(giver_kind="MORAL", giver_name=giver, value=Decimal(200)),
    )
    import csv
    import io

    export = client.get(reverse("ethics:gifts_public_csv")).content.decode("utf-8-sig")
    givers = [row[3] for row in csv.reader(io.StringIO(export))][1:]
    assert givers and all(g.startswith("'") for g in givers if g)


def test_compliance_counts_for_unnamed_entities_hide_zero_too(client, servant, entity):
    from django.conf import settings

    threshold = settings.SMALL_CELL_THRESHOLD
    CodeVersionFactory()  # one servant, nobody has acknowledged it yet: 0 of 1
    sign_in(client, make_user(Role.CPC))
    export = client.get(reverse("ethics:compliance_csv")).content.decode("utf-8-sig")
    row = next(line for line in export.splitlines() if line.startswith(entity.name))
    cells = row.split(",")[1:]
    assert cells[:2] == [f"<{threshold}", f"<{threshold}"]  # one servant, none acknowledged
    assert "0" not in cells and len(cells) == 10  # no zero shows, whatever the column
