"""The system core's actions: one transaction and one audit row each.

Actions take typed keyword arguments (never forms), so a page, the API, the admin and the shell
validate through the same door: each runs the model's ``full_clean`` before it writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from lacs import crypto, keys
from lacs.access import forget_roles, holds_recipient_role, is_administrator
from lacs.audit import audit_record, head_locked, head_message, verify_since
from lacs.models import (
    AuditSignedHead,
    Category,
    ChangeRequest,
    ChangeStatus,
    ContactPoint,
    Entity,
    Role,
    RoleAssignment,
    UserKeyPair,
)

# The person acting: a signed-in account (workers and the whistle-blower pass no actor).
Actor = User
M = TypeVar("M", bound=models.Model)


# --- Who may hold what -------------------------------------------------------------------------
def refuse_administrator_as_recipient(user) -> None:
    """An administrator never receives case keys or identities (contact point, OIC, custodian)."""
    if is_administrator(user):
        raise ValidationError(
            _(
                "%(user)s administra la plataforma: no puede ser punto de contacto, "
                "investigación ni custodia."
            )
            % {"user": user.get_username()}
        )


def refuse_recipient_as_administrator(user) -> None:
    if holds_recipient_role(user):
        raise ValidationError(
            _(
                "%(user)s es punto de contacto, investigación o custodia: no puede administrar "
                "la plataforma."
            )
            % {"user": user.get_username()}
        )


# --- Entities ---------------------------------------------------------------------------------
@transaction.atomic
def entity_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    acronym: str = "",
    parent: Entity | None = None,
    is_comptroller: bool = False,
    escrow_public_key: str = "",
    active: bool = True,
) -> Entity:
    """Create an entity. A new entity has no cases yet, so it may carry its escrow key at once."""
    entity = Entity(
        name=name,
        kind=kind,
        acronym=acronym,
        parent=parent,
        is_comptroller=is_comptroller,
        escrow_public_key=escrow_public_key,
        active=active,
    )
    entity.full_clean()
    entity.save()
    audit_record(
        actor=actor,
        action="entity.create",
        obj=entity,
        entity=entity,
        data={"name": name, "kind": kind, "escrow_key": bool(escrow_public_key)},
    )
    return entity


@transaction.atomic
def entity_update(
    *,
    actor: Actor,
    entity: Entity,
    name: str,
    kind: str,
    acronym: str = "",
    parent: Entity | None = None,
    is_comptroller: bool = False,
    active: bool = True,
    proposed_by: Actor | None = None,
) -> Entity:
    """Change an entity's description. Its escrow key, and whether it is the Comptroller (which
    receives the cases whose entity head is implicated), change only by two-person approval."""
    if is_comptroller != entity.is_comptroller and proposed_by is None:
        raise ValidationError(_("Este cambio requiere la aprobación de una segunda persona."))
    fields = {
        "name": name,
        "kind": kind,
        "acronym": acronym,
        "parent": parent,
        "is_comptroller": is_comptroller,
        "active": active,
    }
    changed = {k: str(v) for k, v in fields.items() if getattr(entity, k) != v}
    for name_, value in fields.items():
        setattr(entity, name_, value)
    entity.full_clean()
    entity.save(update_fields=list(fields))
    audit_record(
        actor=actor,
        action="entity.update",
        obj=entity,
        entity=entity,
        data={**changed, "proposed_by": getattr(proposed_by, "pk", None)},
    )
    return entity


@transaction.atomic
def entity_update_or_propose(*, actor: Actor, entity: Entity, **fields: Any) -> bool:
    """Save an entity's description now; propose what needs a second administrator (a new
    escrow key, the Comptroller flag). Returns whether anything was proposed."""
    escrow_public_key = fields.pop("escrow_public_key", entity.escrow_public_key)
    is_comptroller = fields.pop("is_comptroller", entity.is_comptroller)
    entity_update(actor=actor, entity=entity, is_comptroller=entity.is_comptroller, **fields)
    proposals = []
    if escrow_public_key != entity.escrow_public_key:
        _escrow_key_check(escrow_public_key)
        proposals.append(
            (
                "entity.escrow_key",
                {"entity": entity.pk, "escrow_public_key": escrow_public_key},
                _("Nueva llave de recuperación de %(entity)s") % {"entity": entity},
            )
        )
    if is_comptroller != entity.is_comptroller:
        proposals.append(
            (
                "entity.comptroller",
                {"entity": entity.pk, "is_comptroller": is_comptroller},
                _("%(entity)s: es la Contraloría = %(value)s")
                % {"entity": entity, "value": is_comptroller},
            )
        )
    for kind, payload, summary in proposals:
        change_propose(actor=actor, kind=kind, payload=payload, summary=summary, entity=entity)
    return bool(proposals)


def _escrow_key_check(escrow_public_key: str) -> None:
    if not escrow_public_key:
        return
    try:
        raw = crypto.b64d(escrow_public_key)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ValidationError(
            {"escrow_public_key": _("La llave pública debe ser X25519 en base64 (32 bytes).")}
        )


@transaction.atomic
def entity_escrow_key_set(
    *, actor: Actor, entity: Entity, escrow_public_key: str, proposed_by: Actor | None
) -> Entity:
    """Replace an entity's escrow public key (applied only by ``change_approve``)."""
    _escrow_key_check(escrow_public_key)
    old = entity.escrow_public_key
    Entity.objects.filter(pk=entity.pk).update(escrow_public_key=escrow_public_key)
    entity.escrow_public_key = escrow_public_key
    audit_record(
        actor=actor,
        action="entity.escrow_key_set",
        obj=entity,
        entity=entity,
        data={
            "old": old[:8],
            "new": escrow_public_key[:8],
            "proposed_by": getattr(proposed_by, "pk", None),
        },
    )
    return entity


@transaction.atomic
def entity_escrow_key_first(*, entity: Entity, escrow_public_key: str) -> Entity:
    """Give an entity without one its first escrow key (``manage.py escrow_keygen``, run by the
    operator); replacing a key is a two-person change."""
    _escrow_key_check(escrow_public_key)
    if not escrow_public_key:
        raise ValidationError(_("La llave pública debe ser X25519 en base64 (32 bytes)."))
    updated = Entity.objects.filter(pk=entity.pk, escrow_public_key="").update(
        escrow_public_key=escrow_public_key
    )
    if not updated:
        raise ValidationError(_("Este ente ya tiene llave: reemplazarla requiere dos personas."))
    entity.escrow_public_key = escrow_public_key
    audit_record(
        action="entity.escrow_key_set",
        obj=entity,
        entity=entity,
        data={"old": "", "new": escrow_public_key[:8], "via": "escrow_keygen"},
    )
    return entity


# --- Contact points ---------------------------------------------------------------------------
@transaction.atomic
def contact_point_appoint(
    *,
    actor: Actor,
    entity: Entity,
    user,
    kind: str,
    start: dt.date,
    end: dt.date | None = None,
    proposed_by: Actor | None = None,
) -> ContactPoint:
    """Appoint a contact point; the entity row is locked so two primaries can't race in."""
    Entity.objects.select_for_update().get(pk=entity.pk)
    refuse_administrator_as_recipient(user)
    contact_point = ContactPoint(entity=entity, user=user, kind=kind, start=start, end=end)
    contact_point.full_clean()
    contact_point.save()
    audit_record(
        actor=actor,
        action="contact_point.appoint",
        obj=contact_point,
        entity=entity,
        data={
            "user": user.get_username(),
            "kind": kind,
            "start": start.isoformat(),
            "end": end.isoformat() if end else None,
            "proposed_by": getattr(proposed_by, "pk", None),
        },
    )
    return contact_point


@transaction.atomic
def contact_point_end(
    *, actor: Actor, contact_point: ContactPoint, end: dt.date, proposed_by: Actor | None = None
) -> ContactPoint:
    contact_point.end = end
    contact_point.full_clean()
    contact_point.save(update_fields=["end"])
    audit_record(
        actor=actor,
        action="contact_point.end",
        obj=contact_point,
        entity=contact_point.entity_id,
        data={"end": end.isoformat(), "proposed_by": getattr(proposed_by, "pk", None)},
    )
    return contact_point


# --- Categories and roles ---------------------------------------------------------------------
@transaction.atomic
def category_save(
    *,
    actor: Actor,
    category: Category | None = None,
    code: str,
    name: str,
    name_en: str = "",
    description: str = "",
    specialised_unit: Entity | None = None,
    retention_days: int = 5 * 365,
    active: bool = True,
    position: int = 0,
    proposed_by: Actor | None = None,
) -> Category:
    """Create or change a category. Its specialised unit routes its cases, so setting or
    changing the unit is a two-person change (``category_save_or_propose``)."""
    current_unit = category.specialised_unit_id if category is not None else None
    if getattr(specialised_unit, "pk", None) != current_unit and proposed_by is None:
        raise ValidationError(_("Este cambio requiere la aprobación de una segunda persona."))
    created = category is None
    category = category or Category()
    fields = {
        "code": code,
        "name": name,
        "name_en": name_en,
        "description": description,
        "specialised_unit": specialised_unit,
        "retention_days": retention_days,
        "active": active,
        "position": position,
    }
    changed = {k: str(v) for k, v in fields.items() if getattr(category, k, None) != v}
    for field, value in fields.items():
        setattr(category, field, value)
    category.full_clean()
    category.save()
    audit_record(
        actor=actor,
        action="category.create" if created else "category.update",
        obj=category,
        data={**changed, "proposed_by": getattr(proposed_by, "pk", None)},
    )
    return category


@transaction.atomic
def category_save_or_propose(
    *, actor: Actor, category: Category | None = None, **fields: Any
) -> tuple[Category, bool]:
    """Save a category now with its current unit; propose a new specialised unit."""
    unit = fields.pop("specialised_unit", None)
    current = category.specialised_unit if category is not None else None
    saved = category_save(actor=actor, category=category, specialised_unit=current, **fields)
    if getattr(unit, "pk", None) == getattr(current, "pk", None):
        return saved, False
    change_propose(
        actor=actor,
        kind="category.specialised_unit",
        payload={"category": saved.pk, "specialised_unit": getattr(unit, "pk", None)},
        summary=_("Unidad especializada de %(category)s: %(unit)s")
        % {"category": saved, "unit": unit or "—"},
    )
    return saved, True


# Roles whose assignment needs a second administrator: custodians open identities, and a new
# administrator could otherwise be one person's second account approving their own changes.
APPROVED_ROLES = (Role.CUSTODIAN, Role.ADMIN)


@transaction.atomic
def role_assign(
    *,
    actor: Actor,
    user,
    role: str,
    entity: Entity | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    proposed_by: Actor | None = None,
) -> RoleAssignment:
    """Give ``user`` a role; custodians come only through ``change_approve``."""
    if role in APPROVED_ROLES and proposed_by is None:
        raise ValidationError(_("Este rol requiere la aprobación de una segunda persona."))
    if role in (Role.INVESTIGATOR, Role.CUSTODIAN):
        refuse_administrator_as_recipient(user)
    if role == Role.ADMIN:
        refuse_recipient_as_administrator(user)
    assignment = RoleAssignment(
        user=user, role=role, entity=entity, start=start or timezone.localdate(), end=end
    )
    assignment.full_clean()
    assignment.save()
    if role == Role.ADMIN and not user.is_staff:  # the admin site opens to staff accounts
        get_user_model().objects.filter(pk=user.pk).update(is_staff=True)
        user.is_staff = True
    forget_roles(user)
    audit_record(
        actor=actor,
        action="role.assign",
        obj=assignment,
        entity=assignment.entity_id,
        data={
            "user": user.get_username(),
            "role": role,
            "start": assignment.start.isoformat(),
            "end": end.isoformat() if end else None,
            "proposed_by": getattr(proposed_by, "pk", None),
        },
    )
    return assignment


@transaction.atomic
def role_end(*, actor: Actor, assignment: RoleAssignment, end: dt.date) -> RoleAssignment:
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


# --- Accounts: passwords, TOTP devices, key pairs ---------------------------------------------
@transaction.atomic
def user_password_reset(*, actor: Actor, user, password: str) -> None:
    """An administrator sets a new password for ``user``.

    The old key pair cannot be re-wrapped (nobody knows the old password): the user gets a new
    one at next log-in. Their TOTP device stays, so the administrator cannot sign in as them;
    their open sessions end with the old password's hash.
    """
    if not is_administrator(actor):
        raise PermissionDenied
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=actor, action="user.password_reset", obj=user, data={"user": user.get_username()}
    )


@transaction.atomic
def user_password_change(*, user, old_password: str, new_password: str) -> None:
    """The user changes their own password; their private key is re-wrapped for the new one."""
    if not user.check_password(old_password):
        raise ValidationError(_("La contraseña actual no es correcta."))
    user_keys_rewrap(user=user, old_password=old_password, new_password=new_password)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action="user.password_change", obj=user)


@transaction.atomic
def totp_device_start(*, user) -> TOTPDevice:
    """The unconfirmed device a user enrols (one at a time); its secret is shown only now."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
        audit_record(actor=user, action="totp.start", obj=user)
    return device


@transaction.atomic
def totp_device_confirm(*, user, device: TOTPDevice) -> TOTPDevice:
    """The user proved the device works: from now on its secret is never shown again."""
    if device.user_id != user.pk:
        raise PermissionDenied
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    device.confirmed = True
    audit_record(actor=user, action="totp.confirm", obj=user)
    return device


@transaction.atomic
def totp_device_remove(*, actor: Actor, device: TOTPDevice, proposed_by: Actor | None) -> None:
    """Remove a lost device (applied by ``change_approve``); the user enrols a new one at next
    log-in. Two people: with a password reset, one administrator could otherwise enrol their
    own device as that user."""
    if not is_administrator(actor) or proposed_by is None:
        raise PermissionDenied
    user = device.user
    TOTPDevice.objects.filter(pk=device.pk).delete()
    audit_record(actor=actor, action="totp.remove", obj=user, data={"user": user.get_username()})


# Called, in the same transaction, when a user's key pair is replaced by a new one: everything
# wrapped for the old public key can no longer be opened. Apps above the core add their step
# here at start-up (cases marks the user's cases as waiting for the keys).
KEYS_REPLACED_STEPS: list[Callable[..., object]] = []


@transaction.atomic
def user_keys_create(*, user, password: str) -> UserKeyPair:
    """Give ``user`` a fresh key pair wrapped by ``password`` (replacing any old one)."""
    previous = UserKeyPair.objects.filter(user=user).values_list("public_key", flat=True).first()
    replaced = previous is not None
    private, public = crypto.new_keypair()
    pair, _made = UserKeyPair.objects.update_or_create(
        user=user,
        defaults={
            "public_key": crypto.b64e(public),
            # Kept so a current recipient can see the fingerprint change before sharing keys.
            "replaced_public_key": previous or "",
            **keys.wrapped(private, password),
        },
    )
    if replaced:
        audit_record(action="user.keys_replace", obj=user, data={"public_key": pair.public_key[:8]})
        for step in KEYS_REPLACED_STEPS:
            step(user=user)
    return pair


def user_keys_unlock(*, user, password: str) -> bytes:
    """The private key for a correct password, creating the pair on first log-in."""
    pair = UserKeyPair.objects.filter(user=user).first()
    if pair is None:
        pair = user_keys_create(user=user, password=password)
    try:
        private = keys.open_pair(pair, password)
    except crypto.CryptoError:
        # The password was reset by an administrator: the old key cannot be opened.
        user_keys_create(user=user, password=password)
        return keys.user_private_key(user=user, password=password)
    if pair.kdf != str(crypto.kdf_current()):  # the cost was raised: re-wrap at today's cost
        UserKeyPair.objects.filter(pk=pair.pk).update(**keys.wrapped(private, password))
    return private


@transaction.atomic
def user_keys_rewrap(*, user, old_password: str, new_password: str) -> None:
    """Re-wrap the private key for a new password (called by the password change)."""
    try:
        private = keys.user_private_key(user=user, password=old_password)
    except (UserKeyPair.DoesNotExist, crypto.CryptoError):
        user_keys_create(user=user, password=new_password)
        return
    UserKeyPair.objects.filter(user=user).update(**keys.wrapped(private, new_password))


# --- Two-person approval ----------------------------------------------------------------------
@dataclass(frozen=True)
class ChangeKind:
    """How to apply one kind of change: ``apply(actor=, proposed_by=, payload=)``."""

    apply: Callable[..., Any]
    label: str


CHANGE_KINDS: dict[str, ChangeKind] = {}


def change_kind_register(kind: str, *, apply: Callable[..., Any], label: str) -> None:
    """Apps add the changes that need two administrators (cases adds routing rules)."""
    CHANGE_KINDS[kind] = ChangeKind(apply=apply, label=label)


def _require_administrator(actor) -> None:
    if not is_administrator(actor):
        raise PermissionDenied


@transaction.atomic
def change_propose(
    *,
    actor: Actor,
    kind: str,
    payload: dict[str, Any],
    summary: str,
    entity: Entity | None = None,
) -> ChangeRequest:
    """Record a change for a second administrator to approve; nothing changes yet."""
    _require_administrator(actor)
    if kind not in CHANGE_KINDS:
        raise ValidationError(_("Tipo de cambio desconocido."))
    change = ChangeRequest.objects.create(
        kind=kind, summary=summary[:300], payload=payload, entity=entity, proposed_by=actor
    )
    audit_record(
        actor=actor,
        action="change.propose",
        obj=change,
        entity=entity,
        data={"kind": kind, "payload": payload},
    )
    return change


def _pending(change: ChangeRequest) -> ChangeRequest:
    locked = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if locked.status != ChangeStatus.PENDING:
        raise ValidationError(_("Este cambio ya fue decidido."))
    return locked


@transaction.atomic
def change_approve(*, actor: Actor, change: ChangeRequest) -> ChangeRequest:
    """A second administrator approves: the change is applied and both names are audited."""
    _require_administrator(actor)
    change = _pending(change)
    if change.proposed_by_id == actor.pk:
        raise ValidationError(_("Quien propone un cambio no puede aprobarlo: pida a otra persona."))
    CHANGE_KINDS[change.kind].apply(
        actor=actor, proposed_by=change.proposed_by, payload=change.payload
    )
    ChangeRequest.objects.filter(pk=change.pk).update(
        status=ChangeStatus.APPLIED, decided_by=actor, decided_on=timezone.localdate()
    )
    audit_record(
        actor=actor,
        action="change.approve",
        obj=change,
        entity=change.entity_id,
        data={"kind": change.kind, "proposed_by": change.proposed_by_id},
    )
    change.refresh_from_db()
    return change


@transaction.atomic
def change_reject(*, actor: Actor, change: ChangeRequest) -> ChangeRequest:
    """Another administrator rejects the change (or its proposer withdraws it)."""
    _require_administrator(actor)
    change = _pending(change)
    ChangeRequest.objects.filter(pk=change.pk).update(
        status=ChangeStatus.REJECTED, decided_by=actor, decided_on=timezone.localdate()
    )
    audit_record(
        actor=actor,
        action="change.reject",
        obj=change,
        entity=change.entity_id,
        data={"kind": change.kind, "proposed_by": change.proposed_by_id},
    )
    change.refresh_from_db()
    return change


def optional(model: type[M], pk: int | None) -> M | None:
    """The row with ``pk`` when a proposal names one, else None."""
    return None if pk is None else model._default_manager.filter(pk=pk).first()


def _user(pk: int):
    return get_user_model().objects.get(pk=pk)


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _apply_escrow_key(*, actor, proposed_by, payload: dict) -> Entity:
    return entity_escrow_key_set(
        actor=actor,
        entity=Entity.objects.get(pk=payload["entity"]),
        escrow_public_key=payload["escrow_public_key"],
        proposed_by=proposed_by,
    )


def _apply_contact_point_appoint(*, actor, proposed_by, payload: dict) -> ContactPoint:
    return contact_point_appoint(
        actor=actor,
        entity=Entity.objects.get(pk=payload["entity"]),
        user=_user(payload["user"]),
        kind=payload["kind"],
        start=_day(payload["start"]) or timezone.localdate(),
        end=_day(payload.get("end")),
        proposed_by=proposed_by,
    )


def _apply_contact_point_end(*, actor, proposed_by, payload: dict) -> ContactPoint:
    return contact_point_end(
        actor=actor,
        contact_point=ContactPoint.objects.get(pk=payload["contact_point"]),
        end=_day(payload["end"]) or timezone.localdate(),
        proposed_by=proposed_by,
    )


def _apply_entity_comptroller(*, actor, proposed_by, payload: dict) -> Entity:
    entity = Entity.objects.get(pk=payload["entity"])
    return entity_update(
        actor=actor,
        entity=entity,
        name=entity.name,
        kind=entity.kind,
        acronym=entity.acronym,
        parent=entity.parent,
        is_comptroller=payload["is_comptroller"],
        active=entity.active,
        proposed_by=proposed_by,
    )


def _apply_category_unit(*, actor, proposed_by, payload: dict) -> Category:
    category = Category.objects.get(pk=payload["category"])
    return category_save(
        actor=actor,
        category=category,
        code=category.code,
        name=category.name,
        name_en=category.name_en,
        description=category.description,
        specialised_unit=optional(Entity, payload.get("specialised_unit")),
        retention_days=category.retention_days,
        active=category.active,
        position=category.position,
        proposed_by=proposed_by,
    )


def _apply_totp_remove(*, actor, proposed_by, payload: dict) -> None:
    device = TOTPDevice.objects.filter(pk=payload["device"]).first()
    if device is not None:  # already gone: nothing to remove
        totp_device_remove(actor=actor, device=device, proposed_by=proposed_by)


def _apply_role_assign(*, actor, proposed_by, payload: dict) -> RoleAssignment:
    return role_assign(
        actor=actor,
        user=_user(payload["user"]),
        role=payload["role"],
        entity=optional(Entity, payload.get("entity")),
        start=_day(payload.get("start")),
        end=_day(payload.get("end")),
        proposed_by=proposed_by,
    )


change_kind_register(
    "entity.escrow_key", apply=_apply_escrow_key, label=_("Llave de recuperación del ente")
)
change_kind_register(
    "contact_point.appoint",
    apply=_apply_contact_point_appoint,
    label=_("Designar punto de contacto"),
)
change_kind_register(
    "contact_point.end", apply=_apply_contact_point_end, label=_("Concluir punto de contacto")
)
change_kind_register(
    "entity.comptroller",
    apply=_apply_entity_comptroller,
    label=_("Contraloría (casos del titular)"),
)
change_kind_register(
    "category.specialised_unit",
    apply=_apply_category_unit,
    label=_("Unidad especializada de una categoría"),
)
change_kind_register(
    "totp.remove", apply=_apply_totp_remove, label=_("Quitar un dispositivo de verificación")
)
change_kind_register(
    "role.assign", apply=_apply_role_assign, label=_("Asignar rol de custodia o administración")
)


def payload_value(value: Any) -> Any:
    """A form's cleaned value as it is kept in a proposal: ids, ISO dates, plain values."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- Configuration kept in the admin ----------------------------------------------------------
@transaction.atomic
def admin_object_save(
    *, actor: Actor, obj: models.Model, changed: list[str], created: bool
) -> models.Model:
    """Save a configuration object edited in the admin (questionnaires, reminders, modules...).

    Only models without a dedicated action come here; the admin site refuses the rest.
    """
    _require_administrator(actor)
    obj.full_clean()
    obj.save()
    audit_record(
        actor=actor,
        action=f"{obj._meta.label_lower}.{'create' if created else 'update'}",
        obj=obj,
        data={"fields": changed, "via": "admin"},
    )
    return obj


@transaction.atomic
def admin_object_delete(*, actor: Actor, obj: models.Model) -> None:
    _require_administrator(actor)
    audit_record(
        actor=actor,
        action=f"{obj._meta.label_lower}.delete",
        obj=obj,
        data={"via": "admin", "label": str(obj)[:120]},
    )
    obj.delete()


@transaction.atomic
def user_admin_save(*, actor: Actor, user, changed: list[str], created: bool) -> None:
    """Create or change an account in the admin (never its password: see user_password_reset).

    Staff and superuser flags are not set here: the admin role is a two-person change.
    """
    _require_administrator(actor)
    if (user.is_staff or user.is_superuser) and user.pk is not None:
        refuse_recipient_as_administrator(user)
    user.save()
    forget_roles(user)
    audit_record(
        actor=actor,
        action="user.create" if created else "user.update",
        obj=user,
        data={"fields": changed, "user": user.get_username()},
    )


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
