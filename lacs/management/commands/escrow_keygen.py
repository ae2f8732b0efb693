from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lacs import actions, crypto
from lacs.access import is_administrator
from lacs.models import Entity


class Command(BaseCommand):
    help = (
        "Create an entity's escrow (recovery) key pair: the public half is stored on the entity, "
        "the private half is printed once, for its administrators to keep offline. Replacing a "
        "key is proposed by --proposer and applied when a second administrator approves it."
    )

    def add_arguments(self, parser):
        parser.add_argument("entity", help="the entity's id or exact name")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace an existing key (cases opened before keep the old one)",
        )
        parser.add_argument(
            "--proposer", default="", help="with --replace: the administrator who proposes it"
        )

    def handle(self, *args, entity: str, replace: bool, proposer: str, **options):
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
        try:
            self._store(target, crypto.b64e(public), replace=replace, proposer=proposer)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stderr.write(
            f"Escrow key of {target.name}. Keep the private key offline; it is not stored."
        )
        self.stdout.write(crypto.b64e(private))

    def _store(self, target: Entity, public: str, *, replace: bool, proposer: str) -> None:
        if not (replace and target.escrow_public_key):
            actions.entity_escrow_key_first(entity=target, escrow_public_key=public)
            return
        person = get_user_model().objects.filter(username=proposer).first()
        if person is None or not is_administrator(person):
            raise CommandError("--replace needs --proposer: an administrator's username")
        actions.change_propose(
            actor=person,
            kind="entity.escrow_key",
            payload={"entity": target.pk, "escrow_public_key": public},
            summary=f"New escrow key for {target.name} (escrow_keygen)",
            entity=target,
        )
        self.stderr.write("Proposed: it applies when a second administrator approves it.")
