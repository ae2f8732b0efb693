from tests.access import Row, everyone, only

MATRIX = {
    "home": Row(everyone()),
    "healthz": Row(everyone(503)),  # no worker runs in the matrix: "celery" is named
    "login": Row(everyone()),
    "logout": Row(everyone(405)),  # POST only
    "two_factor": Row({**everyone(), "anonymous": 302}),
    "password_change": Row({**everyone(), "anonymous": 302}),
    "confirm_identity": Row({**everyone(), "anonymous": 302}),
    "set_language": Row(everyone(302)),
    "staff_entities": Row(only("admin")),
    "staff_entity": Row(only("admin"), kwargs=lambda ctx: {"pk": ctx.entity.pk}),
    "staff_entity_contact": Row(
        only("admin", ok=405), kwargs=lambda ctx: {"pk": ctx.entity.pk}
    ),  # POST only
    "staff_entity_contact_end": Row(
        only("admin", ok=405), kwargs=lambda ctx: {"pk": ctx.entity.pk}
    ),
    "staff_changes": Row(only("admin")),
    "staff_change_approve": Row(only("admin", ok=405), kwargs=lambda ctx: {"pk": 1}),
    "staff_change_reject": Row(only("admin", ok=405), kwargs=lambda ctx: {"pk": 1}),
    "staff_categories": Row(only("admin")),
    "staff_roles": Row(only("admin")),
}
