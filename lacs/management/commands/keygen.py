from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lacs import crypto


class Command(BaseCommand):
    help = (
        "Make an offline key pair: --kind backup (X25519, for LACS_BACKUP_PUBLIC_KEY) or "
        "--kind audit (Ed25519, for LACS_AUDIT_SIGNING_KEY_FILE / LACS_AUDIT_PUBLIC_KEY). The "
        "private half goes to --private-out (mode 600); the public half is printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=("backup", "audit"), required=True)
        parser.add_argument("--private-out", type=Path, required=True)

    def handle(self, *args, kind: str, private_out: Path, **options):
        if private_out.exists():
            raise CommandError(f"{private_out} exists: refusing to overwrite a key")
        private, public = crypto.new_keypair() if kind == "backup" else crypto.new_signing_key()
        private_out.touch(mode=0o600)
        private_out.write_text(crypto.b64e(private) + "\n")
        variable = "LACS_BACKUP_PUBLIC_KEY" if kind == "backup" else "LACS_AUDIT_PUBLIC_KEY"
        self.stdout.write(f"{variable}={crypto.b64e(public)}")
