"""Access matrix of the ethics pages (see tests/access.py)."""

from ethics.models import AdviceRequest, DeclarationStatus
from lacs.models import Role, RoleAssignment
from tests.access import Row, everyone, only
from tests.ethics.factories import (
    CodeVersionFactory,
    DeclarationFactory,
    GiftFactory,
    sample_interest,
)

REVIEWERS = ("contact", "investigator")


def _appointment(ctx):
    return RoleAssignment.objects.get(user=ctx.users["servant"], role=Role.SERVANT)


def _declaration(ctx, **extra):
    appointment = _appointment(ctx)
    return DeclarationFactory(appointment=appointment, **extra)


def _draft(ctx):
    return {"pk": _declaration(ctx, status=DeclarationStatus.DRAFT, filed_at=None).pk}


def _draft_item(ctx):
    return {**_draft(ctx), "section": "participacion", "index": 0}


def _filed(ctx):
    return {"pk": _declaration(ctx).pk}


def _conflict(ctx):
    from ethics import actions

    declaration = _declaration(ctx)
    case = actions.conflict_open(
        actor=ctx.users["contact"],
        entity=ctx.entity,
        servant=ctx.users["servant"],
        kind="potential",
        summary="Participación en proveedor",
        declaration=declaration,
    )
    return {"pk": case.pk}


def _advice(ctx):
    from django.utils import timezone

    item = AdviceRequest.objects.create(
        asker=ctx.users["servant"],
        entity=ctx.entity,
        question="¿Puedo aceptar una invitación a comer?",
        due_date=timezone.localdate(),
    )
    return {"pk": item.pk}


def _published_code(ctx):
    CodeVersionFactory()
    return {}


def _draft_code(ctx):
    return {"pk": CodeVersionFactory(published_at=None).pk}


def _gift(ctx):
    return {"pk": GiftFactory(servant=ctx.users["servant"], entity=ctx.entity).pk}


def _module(ctx):
    from ethics.models import EducationModule

    module = EducationModule.objects.create(
        title="Conflicto de interés",
        body="…",
        questions=[{"question": "¿Debo excusarme?", "options": ["Sí", "No"], "answer": 0}],
    )
    return {"pk": module.pk}


def _not_found_except(*roles: str, ok: int = 200) -> dict[str, int]:
    return only(*roles, ok=ok, denied=404)


assert sample_interest  # the factories' sample is what the matrix declarations hold

MATRIX = {
    "ethics:home": Row(everyone()),
    "ethics:code": Row(everyone()),
    "ethics:code_acknowledge": Row(
        only("servant", ok=302),
        kwargs=_published_code,
        method="post",
        post=lambda ctx: {},
        post_as=("servant",),
    ),
    "ethics:code_versions": Row(only("admin")),
    "ethics:code_version_publish": Row(
        only("admin", ok=302),
        kwargs=_draft_code,
        method="post",
        post=lambda ctx: {},
        post_as=("admin",),
    ),
    "ethics:compliance": Row(only("contact", "contact_other", "investigator", "cpc", "admin")),
    "ethics:compliance_csv": Row(only("contact", "contact_other", "investigator", "cpc", "admin")),
    "ethics:entity_compliance": Row(
        _not_found_except("contact", "investigator", "admin"),
        kwargs=lambda ctx: {"pk": ctx.entity.pk},
    ),
    "ethics:declarations": Row(only("servant")),
    "ethics:declarations_review": Row(only(*REVIEWERS, "contact_other")),
    "ethics:declaration_start": Row(
        only("servant", ok=302), method="post", data={"kind": "ACTUALIZACION"}
    ),
    "ethics:declaration": Row(_not_found_except("servant", *REVIEWERS), kwargs=_filed),
    "ethics:declaration_public": Row(everyone(), kwargs=_filed),
    "ethics:declaration_file": Row(
        _not_found_except("servant", ok=302), kwargs=_draft, method="post"
    ),
    "ethics:declaration_item_add": Row(
        _not_found_except("servant"),
        kwargs=lambda ctx: {**_draft(ctx), "section": "fideicomisos"},
    ),
    "ethics:declaration_item": Row(_not_found_except("servant"), kwargs=_draft_item),
    "ethics:declaration_section_note": Row(
        _not_found_except("servant", ok=302),
        kwargs=lambda ctx: {**_draft(ctx), "section": "apoyos"},
        method="post",
        data={"note": "Aclaración"},
    ),
    "ethics:declaration_item_flag": Row(
        _not_found_except("servant", ok=302),
        kwargs=_draft_item,
        method="post",
        data={"operation": "SIN_CAMBIOS"},
    ),
    "ethics:conflict_open": Row(
        {**only(*REVIEWERS, "contact_other"), "contact_other": 404},
        kwargs=lambda ctx: {"declaration_pk": _filed(ctx)["pk"]},
    ),
    "ethics:conflicts": Row(only(*REVIEWERS, "contact_other")),
    "ethics:conflict": Row(
        {**only(*REVIEWERS, "contact_other"), "contact_other": 404}, kwargs=_conflict
    ),
    "ethics:conflict_close": Row(
        {**only(*REVIEWERS, "contact_other", ok=302), "contact_other": 404},
        kwargs=_conflict,
        method="post",
    ),
    "ethics:gifts": Row(only("servant", *REVIEWERS, "contact_other")),
    "ethics:gifts_public": Row(everyone()),
    "ethics:gifts_public_csv": Row(everyone()),
    "ethics:gift_hand_over": Row(only("servant", ok=302), kwargs=_gift, method="post"),
    "ethics:advice": Row(only("servant", "contact", "contact_other")),
    "ethics:advice_detail": Row(_not_found_except("servant", "contact"), kwargs=_advice),
    "ethics:advice_publish": Row(
        _not_found_except("contact", ok=302), kwargs=_advice, method="post"
    ),
    "ethics:guidance": Row(everyone()),
    "ethics:reminders": Row(
        only("admin"),
        post=lambda ctx: {
            "transaction": "declaration_file",
            "variant": "matriz",
            "text": "Recuerde el código de ética.",
            "active": "on",
        },
        post_as=("admin",),
    ),
    "ethics:education": Row(only("servant")),
    "ethics:education_module": Row(only("servant"), kwargs=_module),
    "ethics:revolving_door": Row(only(*REVIEWERS, "contact_other")),
    "ethics:screening": Row(only("servant")),
    "ethics:post_employment": Row(only("servant")),
}

# --- API (anonymous callers get 401; signed-in callers without the role 403) --------------------
API_USERS = ("servant", "contact", "contact_other", "investigator", "admin")

MATRIX.update(
    {
        "api-ethics-declarations": Row(only(*API_USERS, anonymous=401)),
        # POST-only (the API parses JSON only; POSTs are tested in test_api.py)
        "api-ethics-declaration-start": Row(only("servant", ok=405, anonymous=401)),
        "api-ethics-declaration": Row(
            {
                **only(*API_USERS, anonymous=401),
                "contact_other": 404,
                "admin": 404,
            },
            kwargs=_filed,
        ),
        "api-ethics-declaration-interest": Row(
            only("servant", ok=400, anonymous=401), kwargs=_draft, method="put"
        ),
        "api-ethics-declaration-file": Row(only("servant", ok=405, anonymous=401), kwargs=_draft),
        "api-ethics-declaration-public": Row(everyone(), kwargs=_filed),
        "api-ethics-gifts": Row(only(*API_USERS, anonymous=401)),
        "api-ethics-gifts-public": Row(everyone()),
        # PDN System 2 registry: the entity's contact points and admins; a contact point of
        # another entity gets the same 404 as a missing appointment.
        "ethics:procurement_roles": Row(only("contact", "contact_other", "admin")),
        "ethics:procurement_role": Row(
            {**only("contact", "contact_other", "admin"), "contact_other": 404},
            kwargs=lambda ctx: {"pk": _appointment(ctx).pk},
        ),
    }
)
