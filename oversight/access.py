"""Who may see the dashboards and the Co-ordination Committee's pages, and who may change them.

CPC members, committee members and admins see everything here (figures only: nothing in this app
holds report content). Committee members and admins edit. Contact points and internal control
bodies (OIC) see and report progress on the work-plan actions of their own entities.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from lacs.access import role_entities, role_required, user_has_role
from lacs.models import Role
from oversight.models import AuditFinding, PlanAction

VIEW_ROLES = (Role.CPC, Role.COMMITTEE, Role.ADMIN)
EDIT_ROLES = (Role.COMMITTEE, Role.ADMIN)
REPORTING_ROLES = (Role.CONTACT, Role.INVESTIGATOR)

dashboard_page = role_required(*VIEW_ROLES)
committee_page = role_required(*EDIT_ROLES)
plan_page = role_required(*VIEW_ROLES, *REPORTING_ROLES)


def may_view_all(user) -> bool:
    return user_has_role(user, *VIEW_ROLES)


def may_edit(user) -> bool:
    return user_has_role(user, *EDIT_ROLES)


def reporting_entity_ids(user) -> set[int]:
    """Entities whose work-plan actions ``user`` reports progress on (as contact point or OIC)."""
    ids: set[int] = set()
    for role in REPORTING_ROLES:
        ids |= set(role_entities(user, role).values_list("pk", flat=True))
    return ids


def plan_actions_for(user) -> QuerySet[PlanAction]:
    """The work-plan actions ``user`` may see: all for viewers, their entities' for reporters."""
    actions = PlanAction.objects.select_related("goal__plan", "goal__area", "entity")
    if may_view_all(user):
        return actions
    return actions.filter(entity_id__in=reporting_entity_ids(user))


def access_plan_action(user, pk: int) -> PlanAction:
    """Fetch and authorise together: missing and forbidden both answer 404."""
    try:
        return plan_actions_for(user).get(pk=pk)
    except PlanAction.DoesNotExist as exc:
        raise Http404 from exc


def may_report_progress(user, action: PlanAction) -> bool:
    return may_edit(user) or action.entity_id in reporting_entity_ids(user)


def access_finding_for_edit(user, pk: int) -> AuditFinding:
    if not may_edit(user):
        raise Http404
    try:
        return AuditFinding.objects.get(pk=pk)
    except AuditFinding.DoesNotExist as exc:
        raise Http404 from exc
