"""Settings of the processes ``bench/load.py`` starts: those of the reliability stack (a real
broker, no per-connection submission limit) with the production Argon2id parameters, so that each
submission and follow-up derives its receipt key at the cost production pays (64 MiB), not the
test profile's 1 MiB."""

from lacs import crypto
from tests.reliability.server_settings import *  # noqa: F403

ARGON2_MEMORY_KIB = crypto.ARGON2_MEMORY_KIB
