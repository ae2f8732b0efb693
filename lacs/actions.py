"""The system core's actions: one transaction and one audit row each."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.forms import ModelForm
from django.utils import timezone

from lacs import crypto
from lacs.audit import audit_record, head_locked, head_message, verify_since
from lacs.models import AuditSignedHead, Category, ContactPoint, Entity, RoleAssignment


def _changed(form: ModelForm) -> dict:
    return {name: str(form.cleaned_data.get(name)) for name in form.changed_data}


@transaction.atomic
def entity_save(*, actor, form: ModelForm) -> Entity:
    """Create or update an entity from a validated form (the form's clean rejects cycles)."""
    created = form.instance.pk is None
    entity = form.save()
    audit_record(
        actor=actor,
        action="entity.create" if created else "entity.update",
        obj=entity,
        entity=entity,
        data=_changed(form),
    )
    return entity


@transaction.atomic
def contact_point_save(*, actor, form: ModelForm) -> ContactPoint:
    """Appoint or change a contact point; the entity row is locked so two primaries can't race in."""
    Entity.objects.select_for_update().get(pk=form.instance.entity_id)
    form.instance.full_clean()
    created = form.instance.pk is None
    contact_point = form.save()
    audit_record(
        actor=actor,
        action="contact_point.appoint" if created else "contact_point.update",
        obj=contact_point,
        entity=contact_point.entity_id,
        data={
            "user": contact_point.user.get_username(),
            "kind": contact_point.kind,
            **_changed(form),
        },
    )
    return contact_point


@transaction.atomic
def contact_point_end(*, actor, contact_point: ContactPoint, end: dt.date) -> ContactPoint:
    contact_point.end = end
    contact_point.full_clean()
    contact_point.save(update_fields=["end"])
    audit_record(
        actor=actor,
        action="contact_point.end",
        obj=contact_point,
        entity=contact_point.entity_id,
        data={"end": end.isoformat()},
    )
    return contact_point


@transaction.atomic
def category_save(*, actor, form: ModelForm) -> Category:
    created = form.instance.pk is None
    category = form.save()
    audit_record(
        actor=actor,
        action="category.create" if created else "category.update",
        obj=category,
        data=_changed(form),
    )
    return category


@transaction.atomic
def role_assign(*, actor, form: ModelForm) -> RoleAssignment:
    assignment = form.save()
    audit_record(
        actor=actor,
        action="role.assign",
        obj=assignment,
        entity=assignment.entity_id,
        data={"user": assignment.user.get_username(), "role": assignment.role, **_changed(form)},
    )
    return assignment


@transaction.atomic
def role_end(*, actor, assignment: RoleAssignment, end: dt.date) -> RoleAssignment:
    assignment.end = end
    assignment.full_clean()
    assignment.save(update_fields=["end"])
    audit_record(
        actor=actor,
        action="role.end",
        obj=assignment,
        entity=assignment.entity_id,
        data={"end": str(end)},
    )
    return assignment


def audit_head_publish(*, private_key: bytes, day: dt.date | None = None) -> AuditSignedHead:
    """Sign and publish today's head, once a day; the chain since the last signed head must verify.

    Runs in the worker that holds the signing key. A broken chain is not signed (that would bless
    a rewrite): it raises instead.
    """
    day = day or timezone.localdate()
    with transaction.atomic():
        existing = AuditSignedHead.objects.filter(day=day).first()
        if existing is not None:
            return existing
        seq, digest = head_locked()
        last = AuditSignedHead.objects.order_by("-seq").first()
        problem = verify_since(last, seq, digest)
        if problem:
            raise RuntimeError(f"audit chain not signed: {problem}")
        public = crypto.signing_public_from_private(private_key)
        signature = crypto.sign(private_key, head_message(day, seq, digest))
        signed = AuditSignedHead.objects.create(
            day=day,
            seq=seq,
            hash=digest,
            key=crypto.b64e(public),
            signature=crypto.b64e(signature),
        )
        audit_record(action="audit.head_sign", obj=signed, data={"seq": seq, "day": day})
        return signed
