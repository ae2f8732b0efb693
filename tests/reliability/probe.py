"""Database work of the fault test and the load benchmark, run in a subprocess of its own.

    python -m tests.reliability.probe seed
    python -m tests.reliability.probe settle [--timeout S]
    python -m tests.reliability.probe verify RECEIPTS.json

The environment (``tests.reliability.stack.service_env``) names the throwaway database and Redis.
Each command prints one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter

import django

PASSWORD = "correct-horse-battery-staple"
CONTACT = "reliability-contact"


def seed() -> dict:
    import datetime as dt

    from django.contrib.auth import get_user_model

    from lacs import actions as lacs_actions
    from lacs import keys
    from lacs.models import Category, ContactPoint, ContactPointKind, Entity, EntityKind

    entity, _ = Entity.objects.get_or_create(
        name="Secretaría de Prueba de Fallas", defaults={"kind": EntityKind.SECRETARIA}
    )
    category, _ = Category.objects.get_or_create(code="fallas", defaults={"name": "Fallas"})
    user, created = get_user_model().objects.get_or_create(username=CONTACT)
    if created:
        user.set_password(PASSWORD)
        user.save()
        ContactPoint.objects.create(
            entity=entity, user=user, kind=ContactPointKind.PRIMARY, start=dt.date(2020, 1, 1)
        )
        lacs_actions.user_keys_create(user=user, password=PASSWORD)
    keys.intake_public_key()  # the dev intake pair is created once, before the processes race
    return {"entity": entity.pk, "category": category.code, "contact": user.pk}


def session(role: str) -> dict:
    """A signed-in session (TOTP verified, private key unlocked) for the seeded contact point or
    a CPC member, as the log-in page leaves it; returns the cookies a client needs."""
    import datetime as dt

    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from lacs import actions as lacs_actions
    from lacs import crypto, keys
    from lacs.access import REAUTH_SESSION_KEY, requires_two_factor
    from lacs.models import Role, RoleAssignment

    user, created = get_user_model().objects.get_or_create(username=f"reliability-{role}")
    if created:
        user.set_password(PASSWORD)
        user.save()
        if role == "cpc":
            RoleAssignment.objects.create(user=user, role=Role.CPC, start=dt.date(2020, 1, 1))
        lacs_actions.user_keys_create(user=user, password=PASSWORD)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if requires_two_factor(user):
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store[REAUTH_SESSION_KEY] = int(time.time())
    cookie_key = crypto.new_data_key()
    private = keys.user_private_key(user=user, password=PASSWORD)
    store[keys.SESSION_FIELD] = crypto.b64e(crypto.seal(cookie_key, private))
    store.create()
    from django.conf import settings

    return {
        settings.SESSION_COOKIE_NAME: store.session_key,
        keys.COOKIE_NAME: crypto.b64e(cookie_key),
    }


def _route_counts() -> dict:
    from cases.models import CaseRouting

    states = Counter(CaseRouting.objects.values_list("state", flat=True))
    return {"pending": states.get("pending", 0), "done": states.get("done", 0)}


def settle(timeout: float) -> dict:
    """Ask the worker for the beat's sweep until nothing waits (what beat would do each minute)."""
    from cases.tasks import routing_sweep_task

    deadline = time.monotonic() + timeout
    sweeps = 0
    while time.monotonic() < deadline:
        counts = _route_counts()
        if counts["pending"] == 0:
            return {**counts, "sweeps": sweeps}
        routing_sweep_task.apply_async(kwargs={"older_than_seconds": 0})
        sweeps += 1
        time.sleep(3)
    raise SystemExit(f"routing did not settle: {_route_counts()}")


def verify(path: str) -> dict:
    """Every receipt: one case, routed once, readable by recipient and whistle-blower."""
    from django.contrib.auth import get_user_model

    from cases.models import Case, CaseKeyWrap, CaseRecipient, CaseRouting, WrapKind
    from lacs import crypto, keys
    from lacs.audit import audit_verify
    from lacs.models import AuditEvent
    from whistleblowing.access import report_for_receipt
    from whistleblowing.models import Report
    from whistleblowing.sealing import open_text

    with open(path) as handle:
        given = json.load(handle)
    contact = get_user_model().objects.get(username=CONTACT)
    private = keys.user_private_key(user=contact, password=PASSWORD)
    problems: list[str] = []
    case_ids = []
    for item in given:
        found = report_for_receipt(item["receipt"])
        if found is None:
            problems.append(f"receipt of {item['number']} opens nothing")
            continue
        report, data_key = found
        case = report.case
        case_ids.append(case.pk)
        if case.number != item["number"]:
            problems.append(f"receipt of {item['number']} opens {case.number}")
        if open_text(data_key, report.description, case, "description") != item["description"]:
            problems.append(f"{case.number}: the whistle-blower reads another text")
        wraps = list(CaseKeyWrap.objects.filter(case=case, kind=WrapKind.RECIPIENT))
        if [w.user_id for w in wraps] != [contact.pk]:
            problems.append(f"{case.number}: recipient wraps {[w.user_id for w in wraps]}")
            continue
        recipient_key = crypto.unwrap_with(private, bytes(wraps[0].wrapped_key))
        if open_text(recipient_key, report.description, case, "description") != item["description"]:
            problems.append(f"{case.number}: the recipient reads another text")
    routes = Counter(
        AuditEvent.objects.filter(action="case.route").values_list("object_id", flat=True)
    )
    counts = {
        "receipts": len(given),
        "cases": Case.objects.count(),
        "reports": Report.objects.count(),
        "distinct_cases_by_receipt": len(set(case_ids)),
        "routed_done": CaseRouting.objects.filter(state="done").count(),
        "route_audit_rows": sum(routes.values()),
        "routed_more_than_once": sum(1 for n in routes.values() if n > 1),
        "recipients": CaseRecipient.objects.count(),
        "intake_wraps_left": CaseKeyWrap.objects.filter(kind=WrapKind.INTAKE).count(),
        "submit_audit_rows": AuditEvent.objects.filter(
            action="whistleblowing.report_submit"
        ).count(),
        "audit_ok": audit_verify().ok,
        "problems": problems[:20],
    }
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=("seed", "session", "settle", "verify"))
    parser.add_argument("path", nargs="?")
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    django.setup()
    if args.command == "seed":
        out = seed()
    elif args.command == "session":
        out = session(args.path or "contact")
    elif args.command == "settle":
        out = settle(args.timeout)
    else:
        out = verify(args.path)
    sys.stdout.write(json.dumps(out, default=str) + "\n")


if __name__ == "__main__":
    main()
