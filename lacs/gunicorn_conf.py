"""gunicorn settings shared by `make demo` and the container: no server name or version is sent."""

import gunicorn

gunicorn.SERVER = "-"  # the Server header names no software
accesslog = None  # no request lines (they would hold addresses and paths)
timeout = 120  # an intake request derives keys with Argon2id; a loaded host needs headroom
