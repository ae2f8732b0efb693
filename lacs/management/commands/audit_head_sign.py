from pathlib import Path

from django.core.management.base import BaseCommand

from lacs import crypto, keys
from lacs.actions import audit_head_publish


class Command(BaseCommand):
    help = (
        "Sign and publish today's audit head (what the worker's beat job does), with the key "
        "in --key-file or the configured signing key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--key-file", help="base64 Ed25519 private key (offline operator)")

    def handle(self, *args, key_file=None, **options):
        if key_file:
            private = crypto.b64d(Path(key_file).read_text().strip())
        else:
            private = keys.audit_signing_key()
        head = audit_head_publish(private_key=private)
        self.stdout.write(head.line())
