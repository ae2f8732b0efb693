"""Access matrix of the cases app: a contact point of another entity gets 404, like a miss."""

import datetime as dt

from cases.actions import case_route
from cases.models import Holiday, RoutingRule
from lacs.models import Category
from tests.access import LOGIN, Row, only
from tests.cases.factories import open_case


def routed_case(ctx) -> dict:
    """A case of ``ctx.entity``, routed to its contact point (the matrix's ``contact``)."""
    case, _key = open_case(ctx.entity)
    case_route(case_id=case.pk)
    return {"pk": case.pk}


def exported_case(ctx) -> dict:
    """A routed case with a referral package (made directly: no keys needed for the matrix)."""
    from cases.models import CaseExport

    pk = routed_case(ctx)["pk"]
    export = CaseExport.objects.create(
        case_id=pk, authority="prosecutor", package=b"{}", digest="0" * 64
    )
    return {"pk": pk, "export_pk": export.pk}


def case_with_file(ctx) -> dict:
    from cases.models import CaseFile

    pk = routed_case(ctx)["pk"]
    row = CaseFile.objects.create(case_id=pk, meta=b"", content=b"")
    return {"pk": pk, "file_pk": row.pk}


def holiday(ctx) -> dict:
    return {"pk": Holiday.objects.create(day=dt.date(2030, 12, 12), name="Prueba").pk}


def finding(ctx) -> dict:
    category = Category.objects.create(code="matriz-hallazgo", name="Hallazgo de la matriz")
    return {"entity": ctx.entity.pk, "category": category.pk, "summary": "Hallazgo de auditoría"}


def rule(ctx) -> dict:
    return {"pk": RoutingRule.objects.create(target=ctx.other_entity).pk}


INBOX = only("contact", "contact_other", "investigator")
# Recipients reach the page; other inbox users get the same 404 as for a missing case.
CASE_PAGE = {**INBOX, "contact_other": 404, "investigator": 404}
# Forms post back to the case page (302), here with empty data so nothing changes.
CASE_FORM = {**CASE_PAGE, "contact": 302}

# The API: anonymous 401; signed-in without an inbox role 403; the case's recipient 200 and
# others who may use an inbox the same 404 as a missing case. The POST-only operations answer a
# GET with 405 once the role check passed (their POSTs are covered in test_api.py).
API_LIST = {**only("contact", "contact_other", "investigator"), "anonymous": 401}
API_CASE = {**CASE_PAGE, "anonymous": 401}
API_ACTION = {**only("contact", "contact_other", "investigator", ok=405), "anonymous": 401}

MATRIX = {
    "cases:inbox": Row(INBOX),
    "cases:finding_new": Row(
        INBOX, post=finding, post_as=("contact", "contact_other", "investigator")
    ),
    "cases:detail": Row(CASE_PAGE, kwargs=routed_case),
    "cases:transition": Row(CASE_FORM, kwargs=routed_case, method="post"),
    "cases:severity": Row(CASE_FORM, kwargs=routed_case, method="post"),
    "cases:note": Row(CASE_FORM, kwargs=routed_case, method="post"),
    "cases:recuse": Row(CASE_FORM, kwargs=routed_case, method="post"),
    "cases:refer": Row(CASE_FORM, kwargs=routed_case, method="post"),
    "cases:keys_confirm": Row(CASE_FORM, kwargs=routed_case, method="post"),
    "cases:exclude": Row(CASE_FORM, kwargs=routed_case, method="post"),
    "cases:assign": Row(CASE_FORM, kwargs=routed_case, method="post"),
    "cases:export_download": Row(CASE_PAGE, kwargs=exported_case),
    "cases:files_add": Row(CASE_FORM, kwargs=routed_case, method="post"),
    # The matrix's file is a placeholder nobody can open: a recipient gets 404 like anyone else
    # (test_case_files.py downloads a real one).
    "cases:file_download": Row({**CASE_PAGE, "contact": 404}, kwargs=case_with_file),
    # Bulk actions post back to the inbox (302) for inbox users; empty data changes nothing.
    "cases:bulk": Row({**only("contact", "contact_other", "investigator", ok=302)}, method="post"),
    "cases:workload": Row(only("contact", "contact_other")),
    "cases:holidays": Row(only("admin")),
    "cases:holiday_remove": Row(
        {**only("admin", ok=302), "anonymous": LOGIN}, kwargs=holiday, method="post"
    ),
    "cases:routing_rules": Row(
        only("admin"),
        post=lambda ctx: {"target": ctx.other_entity.pk, "mode": "instead", "position": 0},
        post_as=("admin",),
    ),
    "cases:routing_rule_toggle": Row(
        {**only("admin", ok=302), "anonymous": LOGIN},
        kwargs=rule,
        method="post",
        post=lambda ctx: {},
        post_as=("admin",),
    ),
    "cases:escrow_recovery": Row(only("admin")),
    "staff_routing": Row(only("admin")),
    "api-cases": Row(API_LIST),
    "api-case": Row(API_CASE, kwargs=routed_case),
    "api-case-transition": Row(API_ACTION, kwargs=routed_case),
    "api-case-note": Row(API_ACTION, kwargs=routed_case),
    "api-case-refer": Row(API_ACTION, kwargs=routed_case),
    "api-case-exclusions": Row(API_ACTION, kwargs=routed_case),
    "api-case-assign": Row(API_ACTION, kwargs=routed_case),
    "api-case-export": Row(API_CASE, kwargs=exported_case),
    "api-cases-bulk": Row(API_ACTION),
    # Contact points see their workload; investigators may use the API but get 403.
    "api-cases-workload": Row(
        {**only("contact", "contact_other"), "investigator": 403, "anonymous": 401}
    ),
    # The sanctions registry: investigators (OIC) only.
    "cases:sanctions": Row(only("investigator")),
    "cases:sanction_servant_new": Row(only("investigator")),
    "cases:sanction_individual_new": Row(only("investigator")),
}
