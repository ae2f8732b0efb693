"""The container's health check: ``python -m lacs.healthcheck [URL]`` (as a module: run as a
script, its folder would come first on the path and ``lacs/selectors.py`` shadow the standard
library's ``selectors``) exits 0 when ``/healthz``
answers 200.

It asks the way the TLS proxy in front of the site does: with a ``Host`` from ``ALLOWED_HOSTS``
and ``X-Forwarded-Proto: https``. A plain request to ``http://127.0.0.1:8000/healthz`` can never
pass under the production profile: its host is not allowed (400) and plain HTTP is redirected to
HTTPS (301). Only the standard library is used, so the check starts fast and imports no Django.
A redirect is an answer, not followed: a check that is redirected fails.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

URL = "http://127.0.0.1:8000/healthz"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def host_header(allowed_hosts: str) -> str:
    """A ``Host`` the site accepts: the first of ``ALLOWED_HOSTS`` (``.example.org`` matches
    ``example.org``; ``*`` any)."""
    for entry in (part.strip() for part in allowed_hosts.split(",")):
        if entry and entry != "*":
            return entry.lstrip(".")
    return "localhost"


def check(url: str = URL, allowed_hosts: str | None = None) -> tuple[int, str]:
    hosts = os.environ.get("ALLOWED_HOSTS", "") if allowed_hosts is None else allowed_hosts
    request = urllib.request.Request(  # noqa: S310 - a fixed http URL, or the one given
        url, headers={"Host": host_header(hosts), "X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=5) as response:
            return response.status, response.read(500).decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(500).decode(errors="replace")


def main(argv: list[str]) -> int:
    try:
        status, body = check(argv[0] if argv else URL)
    except OSError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"unhealthy: {status} {body}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
