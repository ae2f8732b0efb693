"""Permission policy of the cases app: who may see or do what, in one place.

Access to a case is a guardian object permission (rows in ``CaseUserObjectPermission``, a
direct foreign key, so the inbox joins on an index) plus a key wrap for the person. Nothing
else in the code base grants, revokes or reads these permissions.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from guardian.shortcuts import remove_perm

from cases.models import (
    Case,
    CaseExport,
    CaseKeyWrap,
    CaseRecipient,
    CaseUserObjectPermission,
    Recusal,
    WrapKind,
)
from lacs import crypto
from lacs.access import role_entities, role_entity_ids, role_required, user_has_role
from lacs.db import execute_prepared
from lacs.keys import session_private_key
from lacs.models import Entity, Role, RoleAssignment

VIEW = "cases.view_case"
WORK = "cases.work_case"
# Roles that may open the inbox at all; what they see inside is decided per case.
INBOX_ROLES = (Role.CONTACT, Role.INVESTIGATOR)


# Page policies: anonymous users go to log-in, signed-in users without the role get 403.
inbox_page = role_required(*INBOX_ROLES)


def may_use_inbox(user) -> bool:
    return user.is_authenticated and user_has_role(user, *INBOX_ROLES)


def cases_visible_to(user, perm: str = "view_case") -> QuerySet[Case]:
    """Cases ``user`` holds ``perm`` on (index-backed: one semi-join on the permission table)."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    granted = CaseUserObjectPermission.objects.filter(user=user, permission__codename=perm).values(
        "content_object_id"
    )
    return Case.objects.filter(pk__in=granted)


def case_for_user(user, pk, *, perm: str = "view_case", for_update: bool = False) -> Case:
    """Fetch and authorise together: 404 for a missing case and a forbidden one alike."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**63:  # beyond bigint: PostgreSQL would refuse the query
        raise Http404
    cases = cases_visible_to(user, perm).select_related("entity", "category")
    if for_update:
        cases = cases.select_for_update(of=("self",))
    case = cases.filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def access_export(user, pk, export_pk) -> CaseExport:
    """A referral package of a case ``user`` may work: 404 for missing and forbidden alike."""
    case = case_for_user(user, pk, perm="work_case")
    try:
        return CaseExport.objects.select_related("case").get(case=case, pk=int(export_pk))
    except (CaseExport.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def user_may_work(user, case: Case) -> bool:
    return cases_visible_to(user, "work_case").filter(pk=case.pk).exists()


def case_data_key(*, case: Case, user, private_key: bytes | None) -> bytes:
    """The case's data key, unwrapped with ``user``'s private key; 404 if they hold no wrap."""
    return _unwrap(case, user, private_key, WrapKind.RECIPIENT)


def case_notes_key(*, case: Case, user, private_key: bytes | None) -> bytes:
    """The case-internal notes key (never wrapped for the whistle-blower)."""
    return _unwrap(case, user, private_key, WrapKind.NOTES)


def case_keys_unlocked(request: HttpRequest, case: Case) -> tuple[bytes, bytes] | None:
    """The case's (data, notes) keys for the signed-in user of ``request`` (page or API), or
    None when their session holds no private key or they hold no wrap of the case."""
    private = session_private_key(request)
    try:
        return (
            case_data_key(case=case, user=request.user, private_key=private),
            case_notes_key(case=case, user=request.user, private_key=private),
        )
    except Http404:
        return None


def _unwrap(case: Case, user, private_key: bytes | None, kind: str) -> bytes:
    if private_key is None:
        raise Http404
    wrap = CaseKeyWrap.objects.filter(case=case, kind=kind, user=user).first()
    if wrap is None:
        raise Http404
    try:
        return crypto.unwrap_with(private_key, bytes(wrap.wrapped_key))
    except crypto.CryptoError:
        raise Http404 from None


def access_grant(*, case: Case, users: list) -> None:
    """Let ``users`` see and work ``case`` (call from an action, inside its transaction).

    One statement for both permissions and every user (what guardian's ``assign_perm`` does in
    four): routing runs this for every report, and its latency is the whistle-blower's wait.
    """
    if not users:
        return
    table = CaseUserObjectPermission._meta.db_table
    with connection.cursor() as cursor:
        execute_prepared(
            cursor,
            "cases_access_grant",
            f"""INSERT INTO {table} (permission_id, user_id, content_object_id)
            SELECT p.id, u.id, $1::bigint
              FROM auth_permission p
              JOIN django_content_type t ON t.id = p.content_type_id
             CROSS JOIN unnest($2::bigint[]) AS u(id)
             WHERE t.app_label = 'cases' AND t.model = 'case'
               AND p.codename IN ('{VIEW.split(".")[1]}', '{WORK.split(".")[1]}')
            ON CONFLICT DO NOTHING""",  # noqa: S608  # names from model meta, values as parameters
            [case.pk, sorted({u.pk for u in users})],
        )


def access_revoke(*, case: Case, user) -> None:
    """Take away every permission ``user`` holds on ``case`` (call from an action, which also
    removes their key wraps: ``cases.actions.recipient_access_remove``)."""
    remove_perm(VIEW, user, case)
    remove_perm(WORK, user, case)


def holders_of(case: Case) -> QuerySet:
    """The ids of users who currently hold a permission on ``case``."""
    return CaseUserObjectPermission.objects.filter(
        content_object=case, permission__codename="view_case"
    ).values_list("user_id", flat=True)


# --- Assignment -------------------------------------------------------------------------------
def may_assign(user) -> bool:
    """Contact points assign cases to their entity's investigators."""
    return user.is_authenticated and user_has_role(user, Role.CONTACT)


def assigning_entity_ids(user, case: Case) -> set[int]:
    """Entities whose investigators ``user`` may put on ``case``: where they are a current
    contact point and through which they hold the case (the reported entity, or the one the
    case reached them as)."""
    through = set(
        CaseRecipient.objects.filter(case=case, user=user).values_list("entity_id", flat=True)
    )
    return role_entity_ids(user, Role.CONTACT) & ({case.entity_id} | through)


def assignable_people(user, case: Case) -> QuerySet:
    """Current, active investigators of the assigning entities who did not recuse themselves."""
    entity_ids = assigning_entity_ids(user, case)
    if not entity_ids or not user_may_work(user, case):
        return get_user_model().objects.none()
    investigators = RoleAssignment.objects.current().filter(
        role=Role.INVESTIGATOR, entity_id__in=entity_ids
    )
    recused = Recusal.objects.filter(case=case).values("user_id")
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=investigators.values("user_id"))
        .exclude(pk__in=recused)
        .order_by("username")
    )


def workload_people(user) -> QuerySet:
    """The investigators of the entities where ``user`` is a contact point, for the workload."""
    investigators = RoleAssignment.objects.current().filter(
        role=Role.INVESTIGATOR, entity_id__in=role_entity_ids(user, Role.CONTACT)
    )
    return get_user_model().objects.filter(is_active=True, pk__in=investigators.values("user_id"))


# --- Sanctions registry ------------------------------------------------------------------------
SANCTION_ROLES = (Role.INVESTIGATOR,)
sanction_page = role_required(*SANCTION_ROLES)


def sanction_entities(user) -> QuerySet[Entity]:
    """Institutions for which ``user`` records sanctions: where they sit as investigator (OIC)."""
    if not user.is_authenticated or not user.is_active:
        return Entity.objects.none()
    return role_entities(user, Role.INVESTIGATOR)


def sanction_case_for_user(user, number: str) -> Case:
    """A case ``user`` may see, by its number; 404 for a missing case and a forbidden one alike."""
    case = cases_visible_to(user).filter(number=number.strip()).first()
    if case is None:
        raise Http404
    return case
