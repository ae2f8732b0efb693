"""Permission policy of the ethics app: who may see or do what, in one place.

Servants see their own declarations, gifts and advice requests. An entity's reviewers — its
contact points and its internal control body (investigators) — see the entity's declarations
in full, its gifts and conflict cases. Advice is answered by the entity's contact points only.
Admins publish the code and the reminders; CPC members see counts, never names. ``access_*``
helpers fetch and authorise together and raise 404 for missing and forbidden alike.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from ethics.models import AdviceRequest, ConflictCase, Declaration, Gift
from lacs.access import page_policy, role_entities, user_has_role
from lacs.access import signed_in_page as signed_in_page
from lacs.models import Entity, Role, RoleAssignment

REVIEWER_ROLES = (Role.CONTACT, Role.INVESTIGATOR)


def is_servant(user) -> bool:
    return user.is_authenticated and user_has_role(user, Role.SERVANT)


def is_admin(user) -> bool:
    return user.is_authenticated and user_has_role(user, Role.ADMIN)


def is_reviewer(user) -> bool:
    return user.is_authenticated and user_has_role(user, *REVIEWER_ROLES)


def servant_appointments(user) -> QuerySet[RoleAssignment]:
    """The user's current appointments as a public servant."""
    if not user.is_authenticated:
        return RoleAssignment.objects.none()
    return RoleAssignment.objects.current().filter(user=user, role=Role.SERVANT)


def past_appointments(user) -> QuerySet[RoleAssignment]:
    """Every appointment the user ever held, current or ended (for post-employment notices)."""
    if not user.is_authenticated:
        return RoleAssignment.objects.none()
    return RoleAssignment.objects.filter(user=user, role=Role.SERVANT).select_related("entity")


def reviewer_entity_ids(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    ids: set[int] = set()
    for role in REVIEWER_ROLES:
        ids |= set(role_entities(user, role).values_list("pk", flat=True))
    return ids


def contact_entity_ids(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(role_entities(user, Role.CONTACT).values_list("pk", flat=True))


def compliance_entities(user) -> QuerySet[Entity]:
    """Entities whose compliance lists (with names) the user may read."""
    if is_admin(user):
        return Entity.objects.all()
    return Entity.objects.filter(pk__in=reviewer_entity_ids(user))


def sees_all_entity_counts(user) -> bool:
    return user.is_authenticated and user_has_role(user, Role.ADMIN, Role.CPC)


def may_see_compliance_counts(user) -> bool:
    return user.is_authenticated and user_has_role(user, Role.ADMIN, Role.CPC, *REVIEWER_ROLES)


# --- Declarations --------------------------------------------------------------------------------
def declarations_visible(user) -> QuerySet[Declaration]:
    """In full: one's own declarations, and the filed ones of the entities one reviews."""
    if not user.is_authenticated:
        return Declaration.objects.none()
    return Declaration.objects.filter(
        Q(declarant=user) | Q(entity_id__in=reviewer_entity_ids(user), status="filed")
    ).select_related("entity", "declarant")


def access_declaration(user, pk: int) -> Declaration:
    try:
        return declarations_visible(user).get(pk=pk)
    except Declaration.DoesNotExist:
        raise Http404 from None


def access_own_draft(user, pk: int) -> Declaration:
    """A draft the user may still change: only the declarant's own."""
    try:
        return Declaration.objects.drafts().get(pk=pk, declarant_id=user.pk)
    except Declaration.DoesNotExist:
        raise Http404 from None


def access_public_declaration(pk: int) -> Declaration:
    """Anyone may read the public version of a filed declaration."""
    try:
        return Declaration.objects.filed().select_related("entity", "declarant").get(pk=pk)
    except Declaration.DoesNotExist:
        raise Http404 from None


def may_review_declaration(user, declaration: Declaration) -> bool:
    return declaration.entity_id in reviewer_entity_ids(user)


# --- Conflict cases ------------------------------------------------------------------------------
def conflicts_visible(user) -> QuerySet[ConflictCase]:
    return ConflictCase.objects.filter(entity_id__in=reviewer_entity_ids(user)).select_related(
        "entity", "servant"
    )


def access_conflict(user, pk: int) -> ConflictCase:
    try:
        return conflicts_visible(user).get(pk=pk)
    except ConflictCase.DoesNotExist:
        raise Http404 from None


# --- Gifts ---------------------------------------------------------------------------------------
def gifts_visible(user) -> QuerySet[Gift]:
    if not user.is_authenticated:
        return Gift.objects.none()
    return Gift.objects.filter(
        Q(servant=user) | Q(entity_id__in=reviewer_entity_ids(user))
    ).select_related("entity", "servant")


def access_own_gift(user, pk: int) -> Gift:
    try:
        return Gift.objects.get(pk=pk, servant_id=user.pk)
    except Gift.DoesNotExist:
        raise Http404 from None


# --- Advice --------------------------------------------------------------------------------------
def advice_visible(user) -> QuerySet[AdviceRequest]:
    if not user.is_authenticated:
        return AdviceRequest.objects.none()
    return AdviceRequest.objects.filter(
        Q(asker=user) | Q(entity_id__in=contact_entity_ids(user))
    ).select_related("entity", "asker")


def access_advice(user, pk: int) -> AdviceRequest:
    try:
        return advice_visible(user).get(pk=pk)
    except AdviceRequest.DoesNotExist:
        raise Http404 from None


def may_answer_advice(user, request: AdviceRequest) -> bool:
    return request.entity_id in contact_entity_ids(user) and request.asker_id != user.pk


# --- Servants who take part in procurement (PDN System 2) ----------------------------------------
def procurement_role_entities(user) -> QuerySet[Entity]:
    """Entities whose servants' procurement roles ``user`` records: admins all, contact points
    their own entities."""
    if not user.is_authenticated or not user.is_active:
        return Entity.objects.none()
    if user_has_role(user, Role.ADMIN):
        return Entity.objects.all()
    return Entity.objects.filter(pk__in=contact_entity_ids(user))


def procurement_appointments(user) -> QuerySet[RoleAssignment]:
    """Current servant appointments at the entities ``user`` records procurement roles for."""
    return (
        RoleAssignment.objects.current()
        .filter(role=Role.SERVANT, entity__in=procurement_role_entities(user))
        .select_related("user", "entity")
    )


def access_procurement_appointment(user, pk) -> RoleAssignment:
    """Fetch and authorise together: 404 for a missing appointment and a forbidden one alike."""
    try:
        return procurement_appointments(user).get(pk=int(pk))
    except (RoleAssignment.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None


# --- Page policies (decorators): anonymous → log-in, signed in without the right → 403 ---------
compliance_page = page_policy(may_see_compliance_counts)
# Servants, and former servants (the conclusion declaration comes after leaving).
declarant_page = page_policy(lambda user: past_appointments(user).exists())
gifts_page = page_policy(lambda user: is_servant(user) or is_reviewer(user))
advice_page = page_policy(lambda user: is_servant(user) or bool(contact_entity_ids(user)))
