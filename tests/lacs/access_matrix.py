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
    "staff_categories": Row(only("admin")),
    "staff_roles": Row(only("admin")),
    "audit_heads": Row(only("cpc", "admin")),
    "audit_heads_file": Row(only("cpc", "admin")),
}
