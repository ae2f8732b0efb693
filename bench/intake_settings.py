"""Settings of the server that ``bench/intake.py`` starts: the demo profile (production Argon2id
parameters), the intake's gate open (no wait, no ceiling: checking a proof of work is one
hash, and the bench measures the report's own cost), an in-memory broker (routing is not part of intake latency),
and one extra URL for the baseline POST."""

import os

os.environ.setdefault("LACS_PROFILE", "demo")

from lacs.settings import *  # noqa: F403

ROOT_URLCONF = "bench.intake_urls"
WB_POW_WAIT_SECONDS = 0
WB_CEILINGS_PER_HOUR = {"submit": (10**9, 10**9), "receipt": (10**9, 10**9)}
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = False
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
