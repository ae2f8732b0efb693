"""Settings of the processes the reliability tests and ``bench/load.py`` start: the test profile
(cheap Argon2id, a real broker) with the intake's global ceilings lifted for a load run."""

from lacs.settings_test import *  # noqa: F403

WB_CEILINGS_PER_HOUR = {"submit": (10**9, 10**9), "receipt": (10**9, 10**9)}
CELERY_TASK_ALWAYS_EAGER = False
