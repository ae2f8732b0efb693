from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lacs import crypto
from lacs.audit import audit_record
from lacs.models import Entity


class Command(BaseCommand):
    help = (
        "Create an entity's escrow (recovery) key pair: the public half is stored on the entity, "
        "the private half is printed once, for its administrators to keep offline."
    )

    def add_arguments(self, parser):
        parser.add_argument("entity", help="the entity's id or exact name")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace an existing key (cases opened before keep the old one)",
        )

    def handle(self, *args, entity: str, replace: bool, **options):
        found = Entity.objects.filter(pk=int(entity)) if entity.isdigit() else None
        found = found if found is not None else Entity.objects.filter(name=entity)
        target = found.first()
        if target is None:
            raise CommandError(f"no entity {entity!r}")
        if target.escrow_public_key and not replace:
            raise CommandError(
                f"{target.name} already has an escrow key; --replace makes a new one, and cases "
                "opened before still need the old private key"
            )
        private, public = crypto.new_keypair()
        with transaction.atomic():
            Entity.objects.filter(pk=target.pk).update(escrow_public_key=crypto.b64e(public))
            audit_record(action="entity.escrow_key", obj=target, entity=target)
        self.stderr.write(
            f"Escrow key of {target.name}. Keep the private key offline; it is not stored."
        )
        self.stdout.write(crypto.b64e(private))
