"""Procurement pages: upload and progress, indicators, flags, cases from flags, bid protests."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lacs.models import AuditEvent, Category, Role
from procurement.models import BidProtest, FlagCase, FlagRun, ImportBatch, Method, Process
from tests.conftest import make_user, sign_in
from tests.fixtures import MEXICO_CITY_OCDS as MX
from tests.procurement.factories import BuyerFactory, ProcessFactory


@pytest.fixture
def analyst_client(client, db):
    user = make_user(Role.ANALYST)
    sign_in(client, user)
    client.user = user
    return client


def test_upload_imports_through_the_task_and_progress_page_reports(
    analyst_client, django_capture_on_commit_callbacks
):
    files = [
        SimpleUploadedFile("rp1.json", (MX / "release-package-1.json").read_bytes()),
        SimpleUploadedFile(
            "bad.json", (MX / "release-package_encoding-iso-8859-1.json").read_bytes()
        ),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(reverse("procurement:imports"), {"files": files})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("procurement:import_detail", args=[batch.pk])
    page = analyst_client.get(response["Location"])
    assert b"<progress" in page.content and b"100%" in page.content
    assert "UTF-8" in page.content.decode()
    assert b'http-equiv="refresh"' not in page.content  # finished: no more polling
    status = analyst_client.get(reverse("procurement:import_status", args=[batch.pk])).json()
    assert status["status"] == "failed" and status["files_done"] == 2
    assert Process.objects.count() == 1


def test_running_import_page_polls(analyst_client):
    batch = ImportBatch.objects.create(status="running", total_bytes=100, done_bytes=40)
    page = analyst_client.get(reverse("procurement:import_detail", args=[batch.pk]))
    assert b'http-equiv="refresh"' in page.content and b'value="40"' in page.content


def test_indicators_show_shares_by_count_and_value(analyst_client, entity):
    buyer = BuyerFactory(entity=entity)
    ProcessFactory(buyer=buyer, method=Method.DIRECT, awarded_amount=Decimal(300))
    ProcessFactory(buyer=buyer, method=Method.DIRECT, awarded_amount=Decimal(300))
    ProcessFactory(
        buyer=buyer,
        method=Method.OPEN,
        awarded_amount=Decimal(400),
        method_rationale="",
    )
    ProcessFactory(
        buyer=buyer,
        method=Method.SELECTIVE,
        awarded_amount=Decimal(0),
        method_rationale="ARTICULO 54 FRACCION II BIS DE LA LEY",
    )
    response = analyst_client.get(reverse("procurement:indicators"))
    html = response.content.decode()
    assert response.status_code == 200
    assert entity.name in html
    assert "50.0% / 60.0%" in html  # direct: 2 of 4 by count, 600 of 1000 by value
    assert "Art. 54 fr. II BIS" in html


def test_compute_flags_and_open_a_case_from_a_flag(
    analyst_client, entity, django_capture_on_commit_callbacks
):
    from procurement.actions import ocds_file_import

    ocds_file_import(name="rp1.json", content=(MX / "release-package-1.json").read_bytes())
    process = Process.objects.get()
    process.buyer.entity = entity
    process.buyer.save()
    settings_text = "[R003]\nthreshold = 15\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(
            reverse("procurement:flags"), {"settings_text": settings_text}
        )
    assert response.status_code == 302
    run = FlagRun.objects.get()
    assert run.flags.filter(code="R003", process=process).exists()  # same-day tender period
    listing = analyst_client.get(reverse("procurement:flags")).content.decode()
    assert process.ocid in listing
    Category.objects.get_or_create(code="contrataciones", defaults={"name": "Contrataciones"})
    response = analyst_client.post(reverse("procurement:process_case_open", args=[process.pk]))
    assert response.status_code == 302
    link = FlagCase.objects.get()
    assert link.codes == ["R003"]
    from cases.models import Case, CaseSource

    case = Case.objects.get(pk=link.case_id)
    assert case.source == CaseSource.RED_FLAG and case.entity == entity
    assert AuditEvent.objects.filter(action="procurement.flag_case_open").exists()
    from cases.models import CaseFinding

    assert CaseFinding.objects.filter(case=case).exists()  # OCID and flags sealed in the case
    # A second case for the same process is refused and changes nothing.
    analyst_client.post(reverse("procurement:process_case_open", args=[process.pk]))
    assert FlagCase.objects.count() == 1 and Case.objects.count() == 1


def test_case_is_refused_while_the_buyer_is_unmapped(analyst_client):
    process = ProcessFactory()
    response = analyst_client.post(
        reverse("procurement:process_case_open", args=[process.pk]), follow=True
    )
    assert "no está asociado" in response.content.decode()
    assert not FlagCase.objects.exists()


def test_entity_bound_analyst_sees_only_processes_of_their_entity(client, entity, other_entity):
    mine = ProcessFactory(buyer=BuyerFactory(entity=entity))
    theirs = ProcessFactory(buyer=BuyerFactory(entity=other_entity))
    user = make_user(Role.ANALYST, entity)
    sign_in(client, user)
    assert client.get(reverse("procurement:process_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("procurement:process_detail", args=[theirs.pk])).status_code == 404
    listing = client.get(reverse("procurement:processes")).content.decode()
    assert mine.ocid in listing and theirs.ocid not in listing


def test_register_and_resolve_a_bid_protest(analyst_client):
    process = ProcessFactory()
    response = analyst_client.post(
        reverse("procurement:protest_create", args=[process.pk]),
        {
            "protester": "Licitante SA",
            "grounds": "Descalificación indebida",
            "filed_on": "2026-01-05",
        },
    )
    protest = BidProtest.objects.get()
    assert response.status_code == 302 and str(protest.respond_by) == "2026-02-19"
    analyst_client.post(
        reverse("procurement:protest_detail", args=[protest.pk]),
        {"status": "resolved", "resolution": "Fundada", "resolved_on": "2026-02-01"},
    )
    protest.refresh_from_db()
    assert protest.status == "resolved" and protest.resolution == "Fundada"
    before = AuditEvent.objects.count()
    analyst_client.post(
        reverse("procurement:protest_detail", args=[protest.pk]),
        {"status": "dismissed", "resolution": "otra", "resolved_on": "2026-02-02"},
    )
    protest.refresh_from_db()
    assert protest.status == "resolved" and AuditEvent.objects.count() == before


def test_process_list_query_count_is_constant(analyst_client, django_assert_max_num_queries):
    for _ in range(5):
        ProcessFactory()
    with django_assert_max_num_queries(12):
        analyst_client.get(reverse("procurement:processes"))
    for _ in range(20):
        ProcessFactory()
    with django_assert_max_num_queries(12):
        analyst_client.get(reverse("procurement:processes"))


def test_admin_matches_a_buyer_to_an_entity_with_an_audit_row(client, entity):
    from procurement.actions import buyer_map
    from procurement.models import Buyer

    buyer = BuyerFactory()
    admin = make_user(Role.ADMIN)
    buyer_map(actor=admin, buyer=buyer, entity=entity)
    assert Buyer.objects.get(pk=buyer.pk).entity == entity
    event = AuditEvent.objects.get(action="procurement.buyer_map")
    assert event.actor == admin and event.entity == entity


def test_malformed_settings_are_refused_and_nothing_is_computed(analyst_client):
    response = analyst_client.post(reverse("procurement:flags"), {"settings_text": "[R003"})
    assert response.status_code == 200
    assert not FlagRun.objects.exists()


def test_overdue_protests_are_marked(analyst_client):
    from tests.procurement.factories import BidProtestFactory

    BidProtestFactory()  # filed 2026-01-10, to be resolved by 2026-02-24
    html = analyst_client.get(reverse("procurement:protests")).content.decode()
    assert "vencida" in html


def test_case_summary_names_the_ocid_and_the_flags(db):
    from procurement.actions import _flag_summary

    process = ProcessFactory(supplier_keys=["ABC010101AA1"], supplier_names=["Proveedora SA"])
    text = _flag_summary(process, ["R055", "MX01"])
    assert f"OCID: {process.ocid}" in text and "MX01, R055" in text
    assert "Proveedora SA (ABC010101AA1)" in text


def test_flag_list_query_count_is_constant(analyst_client, django_assert_max_num_queries):
    from procurement.models import RedFlag

    run = FlagRun.objects.create()
    for _ in range(3):
        RedFlag.objects.create(
            run=run, group="OCID", key="k", code="R018", value=1, process=ProcessFactory()
        )
    with django_assert_max_num_queries(14):
        analyst_client.get(reverse("procurement:flags"))
    for _ in range(20):
        RedFlag.objects.create(
            run=run, group="OCID", key="k", code="R018", value=1, process=ProcessFactory()
        )
    with django_assert_max_num_queries(14):
        analyst_client.get(reverse("procurement:flags"))


def test_indicators_filter_by_entity_and_years(analyst_client, entity, other_entity):
    ProcessFactory(buyer=BuyerFactory(entity=entity), year=2016)
    ProcessFactory(buyer=BuyerFactory(entity=other_entity), year=2016)
    ProcessFactory(buyer=BuyerFactory(entity=entity), year=2019)
    url = reverse("procurement:indicators")
    html = analyst_client.get(url, {"entity": entity.pk, "year_to": 2017}).content.decode()
    table = html.split("Por ente y año")[1]
    assert entity.name in table and other_entity.name not in table and "2019" not in table
