"""Settings of the processes the reliability tests and ``bench/load.py`` start: the test profile
(cheap Argon2id, a real broker) without the per-connection submission limit, since every
client of a loopback run shares one address."""

from lacs.settings_test import *  # noqa: F403

WB_SUBMIT_LIMIT = 10**9
WB_RECEIPT_FAILURE_LIMIT = 10**9
CELERY_TASK_ALWAYS_EAGER = False
