"""Settings of the server that ``bench/intake.py`` starts: the demo profile (production Argon2id
parameters), no submission limit, an in-memory broker (routing is not part of intake latency),
and one extra URL for the baseline POST."""

import os

os.environ.setdefault("LACS_PROFILE", "demo")

from lacs.settings import *  # noqa: F403

ROOT_URLCONF = "bench.intake_urls"
WB_SUBMIT_LIMIT = 10**9
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = False
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
