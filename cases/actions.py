"""Actions of the cases app: one transaction and one audit row each.

``case_open`` is the one door through which reports, red flags, audit findings and staff-entered
reports become cases; ``case_route`` is what the routing worker runs for each outbox row.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Case, CaseKeyWrap, CaseRouting, CaseSource, CaseStatus, WrapKind
from lacs import crypto, keys
from lacs.audit import audit_record
from lacs.models import Category, Entity

log = logging.getLogger(__name__)


class CaseError(Exception):
    """An action was refused; the message is for the person who asked (already translated)."""


def _next_number(year: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('cases_case_number_seq')")
        (value,) = cursor.fetchone()
    return f"CDMX-{year}-{value:06d}"


@transaction.atomic
def case_open(
    *,
    entity: Entity,
    category: Category,
    source: str,
    contact_point_implicated: bool = False,
    head_implicated: bool = False,
    actor=None,
) -> tuple[Case, bytes]:
    """Open a case and queue it for routing; returns the case and its fresh data key.

    Call it inside the caller's transaction (the report and the case commit together). The data
    key is wrapped for the intake key (and the entity's escrow key) only; the routing worker
    re-wraps it for the recipients after commit.
    """
    today = timezone.localdate()
    case = Case.objects.create(
        number=_next_number(today.year),
        source=source,
        entity=entity,
        category=category,
        received_on=today,
        contact_point_implicated=contact_point_implicated,
        head_implicated=head_implicated,
        acknowledge_by=today + dt.timedelta(days=settings.ACKNOWLEDGE_DAYS),
        feedback_by=today + dt.timedelta(days=settings.FEEDBACK_DAYS),
    )
    data_key = crypto.new_data_key()
    wraps = [
        CaseKeyWrap(
            case=case,
            kind=WrapKind.INTAKE,
            wrapped_key=crypto.wrap_for(keys.intake_public_key(), data_key),
        )
    ]
    if entity.escrow_public_key:
        wraps.append(
            CaseKeyWrap(
                case=case,
                kind=WrapKind.ESCROW,
                entity=entity,
                wrapped_key=crypto.wrap_for(crypto.b64d(entity.escrow_public_key), data_key),
            )
        )
    CaseKeyWrap.objects.bulk_create(wraps)
    CaseRouting.objects.create(case=case)
    whistleblower = actor is None or source == CaseSource.REPORT
    audit_record(
        action="case.open",
        actor=None if whistleblower else actor,
        obj=case,
        entity=entity,
        data={"source": source, "category": category.code},
        day_only=whistleblower,
    )
    transaction.on_commit(lambda: case_routing_schedule(case_id=case.pk))
    return case, data_key


def case_routing_schedule(*, case_id: int) -> None:
    """Queue routing after commit; if the broker is down the outbox row waits for the sweep."""
    from cases.tasks import case_route_task

    try:
        case_route_task.apply_async((case_id,), retry=False)
    except Exception as exc:  # broker unreachable: the beat sweep routes it later
        log.warning("routing of case %s not queued (%s); the sweep will route it", case_id, exc)


def case_status_label(case: Case) -> str:
    return str(CaseStatus(case.status).label)
