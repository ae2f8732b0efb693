"""Demo data: reference data, one log-in per role, then each app's own demo data."""

from __future__ import annotations

import base64
import hashlib
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from lacs import actions as lacs_actions
from lacs import crypto
from lacs.access import requires_two_factor
from lacs.models import ContactPoint, ContactPointKind, Entity, Role, RoleAssignment
from lacs.seed import seed_reference_data

# username, full name, role, entity acronym (or alcaldía name)
DEMO_USERS = [
    ("admin", "Ana Administradora", Role.ADMIN, None),
    ("contact", "Carlos Contreras", Role.CONTACT, "SEMOVI"),
    ("contact2", "Claudia Suplente", Role.CONTACT, "SEMOVI"),
    ("investigator", "Irene Investigadora", Role.INVESTIGATOR, "SCG"),
    # Routing coverage: the Comptroller (which takes any entity's report nobody else can) and
    # the Jefatura de Gobierno have a primary and an alternate; SEDUVI's reports reach its OIC.
    ("comptroller", "Sofía Contralora", Role.CONTACT, "SCG"),
    ("comptroller2", "Raúl Suplente", Role.CONTACT, "SCG"),
    ("jefatura", "Julia Jefatura", Role.CONTACT, "JGCDMX"),
    ("jefatura2", "Jorge Suplente", Role.CONTACT, "JGCDMX"),
    ("oic", "Óscar Órgano Interno", Role.INVESTIGATOR, "SEDUVI"),
    ("cpc", "Citlali Participación", Role.CPC, None),
    ("servant", "Sergio Servidor", Role.SERVANT, "SEMOVI"),
    ("analyst", "Alma Analista", Role.ANALYST, None),
    ("custodian", "Cristina Custodia", Role.CUSTODIAN, "SCG"),
    ("committee", "Cecilia Coordinadora", Role.COMMITTEE, None),
]
DEMO_ALTERNATES = {"contact2", "comptroller2", "jefatura2"}
# Each app's ``demo.seed``, named by string (the core wires apps, it imports none of them), in
# this order: reports first so that cases' demo routes them, the dashboards last over everything.
APPS_WITH_DEMO = ("whistleblowing", "cases", "ethics", "procurement", "oversight")


DEMO_ESCROW_ENTITY = "SEMOVI"


def demo_escrow_private_key() -> bytes:
    """A fixed escrow key for the demo's entity, so the printed key opens cases of every run."""
    return hashlib.sha256(b"lacs-demo-escrow").digest()


def demo_totp_key(username: str) -> str:
    """A fixed TOTP key per demo user, so the printed otpauth URI stays valid across runs."""
    return hashlib.sha256(f"lacs-demo-totp:{username}".encode()).hexdigest()[:40]


class Command(BaseCommand):
    help = "Load demo data and print one log-in per role (demo profile only)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_seed runs only with LACS_PROFILE=demo or test")
        created = seed_reference_data()
        users = self._users()
        public = crypto.b64e(crypto.public_from_private(demo_escrow_private_key()))
        Entity.objects.filter(acronym=DEMO_ESCROW_ENTITY, escrow_public_key="").update(
            escrow_public_key=public
        )
        for app in APPS_WITH_DEMO:
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed(users=users, stdout=self.stdout)
        self.stdout.write(f"demo data ready ({created} entities created)")
        self._print_logins(users)

    @transaction.atomic
    def _users(self) -> dict:
        User = get_user_model()
        password = settings.DEMO_PASSWORD
        users = {}
        for username, full_name, role, where in DEMO_USERS:
            first, last = full_name.split(" ", 1)
            user, made = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@cdmx.example",
                },
            )
            if made:
                user.set_password(password)
                user.is_staff = role == Role.ADMIN
                user.is_superuser = role == Role.ADMIN
                user.save()
                lacs_actions.user_keys_create(user=user, password=password)
            entity = Entity.objects.get(acronym=where) if where else None
            if role == Role.CONTACT:
                kind = (
                    ContactPointKind.ALTERNATE
                    if username in DEMO_ALTERNATES
                    else ContactPointKind.PRIMARY
                )
                ContactPoint.objects.get_or_create(
                    user=user,
                    entity=entity,
                    defaults={"kind": kind, "start": timezone.localdate().replace(month=1, day=1)},
                )
            elif role != Role.ADMIN:
                RoleAssignment.objects.get_or_create(user=user, role=role, entity=entity)
            if requires_two_factor(user):
                TOTPDevice.objects.get_or_create(
                    user=user,
                    name="demo",
                    defaults={"key": demo_totp_key(username), "confirmed": True},
                )
            users[username] = user
        return users

    def _print_logins(self, users: dict) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo log-ins (password: {settings.DEMO_PASSWORD}):")
        for username, user in users.items():
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            line = f"  {username:<13}"
            if device is not None:
                secret = base64.b32encode(bytes.fromhex(device.key)).decode().rstrip("=")
                line += f" TOTP otpauth://totp/LACS%20CDMX:{username}?secret={secret}&issuer=LACS%20CDMX"
            self.stdout.write(line)
        self.stdout.write(
            f"Escrow private key of {DEMO_ESCROW_ENTITY} (demo only; in production it is kept "
            f"offline), for /cases/recovery/: {crypto.b64e(demo_escrow_private_key())}"
        )
