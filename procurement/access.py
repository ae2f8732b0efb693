"""Permission policy of the procurement app: who may see or do what, in one place.

Procurement analysts import data, read indicators and flags, open cases from flags and register
bid protests. An analyst appointed without an entity works city-wide; one appointed at entities
sees the processes of the buyers mapped to those entities (and unmapped buyers are city-wide
only). CPC members read the aggregate indicators only. Nobody here ever reads report contents.
Objects are fetched and authorised together; missing and forbidden both answer 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from lacs.access import role_entity_ids, role_is_city_wide, role_required, user_has_role
from lacs.models import Role
from procurement.models import BidProtest, ImportBatch, Process

analyst_required = role_required(Role.ANALYST)
indicators_required = role_required(Role.ANALYST, Role.CPC)


def analyst_city_wide(user) -> bool:
    return role_is_city_wide(user, Role.ANALYST)


def analyst_entity_ids(user) -> set[int]:
    return role_entity_ids(user, Role.ANALYST)


def processes_visible(user) -> QuerySet[Process]:
    """The processes ``user`` may read, as a queryset every list starts from."""
    processes = Process.objects.all()
    if user_has_role(user, Role.ANALYST) and analyst_city_wide(user):
        return processes
    if user_has_role(user, Role.ANALYST):
        return processes.filter(buyer__entity_id__in=analyst_entity_ids(user))
    return processes.none()


def indicator_scope(user) -> Q:
    """The filter on processes for aggregate indicators (CPC members see the whole city)."""
    if user_has_role(user, Role.CPC) or analyst_city_wide(user):
        return Q()
    if user_has_role(user, Role.ANALYST):
        return Q(buyer__entity_id__in=analyst_entity_ids(user))
    return Q(pk__in=[])


def access_process_by_pk(user, pk: int) -> Process:
    process = processes_visible(user).filter(pk=pk).select_related("buyer__entity").first()
    if process is None:
        raise Http404
    return process


def access_batch(user, batch_id: int) -> ImportBatch:
    """Import batches are the analysts' shared work list; other roles never see them."""
    if not user_has_role(user, Role.ANALYST):
        raise Http404
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


def protests_visible(user) -> QuerySet[BidProtest]:
    return BidProtest.objects.filter(process__in=processes_visible(user))


def access_protest(user, protest_id: int) -> BidProtest:
    protest = protests_visible(user).filter(pk=protest_id).select_related("process").first()
    if protest is None:
        raise Http404
    return protest
