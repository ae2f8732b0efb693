from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lacs import crypto
from lacs.audit import SignedHead, audit_verify, published_heads


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain against the published signed heads (and a kept copy "
        "with --heads); exit non-zero naming the first broken row."
    )

    def add_arguments(self, parser):
        parser.add_argument("--heads", help="a heads file downloaded earlier (/audit/heads.txt)")
        parser.add_argument("--public-key", help="base64 Ed25519 public key of the signer")

    def handle(self, *args, heads=None, public_key=None, **options):
        kept = published_heads()
        if heads:
            lines = Path(heads).read_text().splitlines()
            kept += [SignedHead.parse(line) for line in lines if line and not line.startswith("#")]
        key = crypto.b64d(public_key) if public_key else None
        result = audit_verify(heads=kept, public_key=key)
        if not result.ok:
            raise CommandError(
                f"audit log broken: {result.problem} ({result.checked} rows verified before it)"
            )
        self.stdout.write(
            f"audit log intact: {result.checked} rows verified, {result.heads} signed heads matched"
        )
