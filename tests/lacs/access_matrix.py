from lacs.actions import change_propose
from lacs.models import Role
from tests.access import Row, everyone, only
from tests.conftest import make_user

ADMIN = ("admin",)


def _entity(ctx) -> dict:
    return {"pk": ctx.entity.pk}


def _change(ctx) -> dict:
    """A contact point proposed by another administrator, for the matrix's admin to decide."""
    change = change_propose(
        actor=make_user(Role.ADMIN),
        kind="contact_point.appoint",
        payload={
            "entity": ctx.entity.pk,
            "user": ctx.users["servant"].pk,
            "kind": "alternate",
            "start": "2026-01-01",
        },
        summary="matriz",
        entity=ctx.entity,
    )
    return {"pk": change.pk}


def _end(ctx) -> dict:
    return {"contact_point": ctx.users["contact"].contact_points.get().pk}


MATRIX = {
    "home": Row(everyone()),
    "healthz": Row(everyone(503)),  # no worker runs in the matrix: "celery" is named
    "login": Row(everyone()),
    "logout": Row(everyone(405)),  # POST only
    "two_factor": Row({**everyone(), "anonymous": 302}),
    "password_change": Row({**everyone(), "anonymous": 302}),
    "confirm_identity": Row({**everyone(), "anonymous": 302}),
    "set_language": Row(everyone(302)),
    "staff_entities": Row(
        only("admin"),
        post=lambda ctx: {"name": "Ente de la matriz", "kind": "secretaria", "active": "on"},
        post_as=ADMIN,
    ),
    "staff_entity": Row(
        only("admin"),
        kwargs=_entity,
        post=lambda ctx: {"name": ctx.entity.name, "kind": "alcaldia", "active": "on"},
        post_as=ADMIN,
    ),
    # POST only: a GET that passed the role check answers 405.
    "staff_entity_contact": Row(
        only("admin", ok=405),
        kwargs=_entity,
        post=lambda ctx: {
            "user": ctx.users["servant"].pk,
            "kind": "alternate",
            "start": "2026-01-01",
        },
        post_as=ADMIN,
    ),
    "staff_entity_contact_end": Row(
        only("admin", ok=405), kwargs=_entity, post=_end, post_as=ADMIN
    ),
    "staff_changes": Row(only("admin")),
    "staff_change_approve": Row(
        only("admin", ok=405), kwargs=_change, post=lambda ctx: {}, post_as=ADMIN
    ),
    "staff_change_reject": Row(
        only("admin", ok=405), kwargs=_change, post=lambda ctx: {}, post_as=ADMIN
    ),
    "staff_categories": Row(
        only("admin"),
        post=lambda ctx: {
            "code": "matriz-nueva",
            "name": "Categoría de la matriz",
            "retention_days": 365,
            "position": 0,
            "active": "on",
        },
        post_as=ADMIN,
    ),
    "staff_roles": Row(
        only("admin"),
        post=lambda ctx: {"user": ctx.users["servant"].pk, "role": "cpc", "start": "2026-01-01"},
        post_as=ADMIN,
    ),
    "audit_heads": Row(only("cpc", "admin")),
    "audit_heads_file": Row(only("cpc", "admin")),
}
