"""The receiving authority's side of a referral: verify a package and open it.

    manage.py referral_open PACKAGE --signer PLATFORM_PUBLIC_KEY --key PRIVATE_KEY_FILE --out DIR
    manage.py referral_open PACKAGE --signer PLATFORM_PUBLIC_KEY          # verify only
    manage.py referral_open --print-signer                                # the key to publish

Opening writes ``case.json`` (facts, report, messages, notes, history, findings) and each
attachment as its own file under DIR.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.referral import PackageError, package_open, package_verify, signing_public_key
from lacs import crypto


class Command(BaseCommand):
    help = "Verify (and with --key, open) a referral package made for an external authority."

    def add_arguments(self, parser) -> None:
        parser.add_argument("package", nargs="?")
        parser.add_argument("--signer", help="the platform's Ed25519 public key (base64)")
        parser.add_argument("--key", help="file holding the authority's X25519 private key")
        parser.add_argument("--out", help="directory to write the opened case file into")
        parser.add_argument("--print-signer", action="store_true")

    def handle(self, *args, **opts) -> None:
        if opts["print_signer"]:
            self.stdout.write(crypto.b64e(signing_public_key()))
            return
        if not opts["package"] or not opts["signer"]:
            raise CommandError("give the package and --signer")
        package = Path(opts["package"]).read_bytes()
        signer = crypto.b64d(opts["signer"])
        try:
            if not opts["key"]:
                verified = package_verify(package, signer_key=signer)
                self.stdout.write(f"OK: case {verified['case']}, signature valid")
                return
            private = crypto.b64d(Path(opts["key"]).read_text().strip())
            contents = package_open(package, private_key=private, signer_key=signer)
        except PackageError as exc:
            raise CommandError(str(exc)) from None
        self._write(contents, Path(opts["out"] or "."))

    def _write(self, contents: dict, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        attachments = (contents.get("report") or {}).get("attachments", [])
        for index, item in enumerate(attachments, 1):
            name = Path(item.get("name") or "archivo").name
            (out / f"{index:03d}-{name}").write_bytes(crypto.b64d(item.pop("data")))
            item["file"] = f"{index:03d}-{name}"
        (out / "case.json").write_text(json.dumps(contents, ensure_ascii=False, indent=1))
        self.stdout.write(f"OK: case {contents['case']['number']} opened in {out}")
