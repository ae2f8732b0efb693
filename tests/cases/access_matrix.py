"""Access matrix of the cases app: a contact point of another entity gets 404, like a miss."""

from cases.actions import case_route
from cases.models import RoutingRule
from lacs.models import Category
from tests.access import LOGIN, Row, only
from tests.cases.factories import open_case


def routed_case(ctx) -> dict:
    """A case of ``ctx.entity``, routed to its contact point (the matrix's ``contact``)."""
    case, _key = open_case(ctx.entity)
    case_route(case_id=case.pk)
    return {"pk": case.pk}


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
    "api-cases": Row(API_LIST),
    "api-case": Row(API_CASE, kwargs=routed_case),
    "api-case-transition": Row(API_ACTION, kwargs=routed_case),
    "api-case-note": Row(API_ACTION, kwargs=routed_case),
    "api-case-refer": Row(API_ACTION, kwargs=routed_case),
    # The sanctions registry: investigators (OIC) only.
    "cases:sanctions": Row(only("investigator")),
    "cases:sanction_servant_new": Row(only("investigator")),
    "cases:sanction_individual_new": Row(only("investigator")),
}
