"""Pages render with real rows in them (the access matrix renders them mostly empty)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ethics import actions
from ethics.models import EducationModule
from lacs.models import Role
from tests.conftest import make_user, sign_in
from tests.ethics.factories import CodeVersionFactory, DeclarationFactory

pytestmark = pytest.mark.django_db


def test_reviewer_and_admin_pages_render_with_data(client, servant, appointment, entity):
    contact = make_user(Role.CONTACT, entity)
    admin = make_user(Role.ADMIN)
    version = CodeVersionFactory()
    actions.code_acknowledge(actor=servant, version=version, entity=entity)
    declaration = DeclarationFactory(appointment=appointment)
    case = actions.conflict_open(
        actor=contact, entity=entity, servant=servant, kind="actual", summary="Socio de proveedor"
    )
    actions.conflict_measure_add(
        actor=contact,
        case=case,
        kind="recusal",
        detail="Escrito de excusa",
        follow_up=timezone.localdate() + dt.timedelta(days=7),
    )
    actions.screening_submit(
        actor=servant,
        appointment=appointment,
        position="Director",
        previous_employer="Constructora Azteca SA de CV",
        previous_employer_rfc="CAZ010101AB1",
        previous_employer_is_supplier=True,
    )
    actions.post_employment_notify(
        actor=servant,
        appointment=appointment,
        new_employer="Otra SA",
        role="Consultor",
        starts_on=timezone.localdate(),
    )
    actions.gift_record(
        actor=servant,
        entity=entity,
        kind="hospitality",
        giver_kind="MORAL",
        giver_name="Proveedora SA",
        value=Decimal("3000"),
        offered_on=timezone.localdate(),
        occasion="Comida",
        decision="accepted",
    )
    reminder = actions.reminder_save(
        actor=admin, transaction_name="declaration_file", variant="A", text="Texto"
    )
    actions.reminder_acknowledge(actor=servant, reminder=reminder)
    request = actions.advice_ask(actor=servant, entity=entity, question="¿Puedo?")
    actions.advice_answer(actor=contact, request=request, answer="Sí.")
    EducationModule.objects.create(
        title="Módulo", body="Texto", questions=[{"question": "¿?", "options": ["a"], "answer": 0}]
    )

    sign_in(client, contact)
    for name, args, text in [
        ("ethics:conflict", [case.pk], "Escrito de excusa"),
        ("ethics:conflicts", [], servant.get_full_name()),
        ("ethics:revolving_door", [], "Constructora Azteca SA de CV"),
        ("ethics:gifts", [], "Proveedora SA"),
        ("ethics:advice_detail", [request.pk], "Publicar como orientación"),
        ("ethics:declaration", [declaration.pk], "Abrir caso de conflicto"),
        ("ethics:entity_compliance", [entity.pk], servant.get_full_name()),
    ]:
        page = client.get(reverse(name, args=args)).content.decode()
        assert text in page, name
    sign_in(client, admin)
    page = client.get(reverse("ethics:reminders")).content.decode()
    assert "(0%)" in page  # one shown, none completed
    assert version.title in client.get(reverse("ethics:code_versions")).content.decode()
    sign_in(client, servant)
    page = client.get(reverse("ethics:education")).content.decode()
    assert "Módulo" in page
    page = client.get(reverse("ethics:gifts")).content.decode()
    assert "Ya lo entregué" in page
