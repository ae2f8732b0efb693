"""Test profile: the settings module with ``LACS_PROFILE=test`` (used by pytest).

Tests use their own Redis database (``LACS_TEST_REDIS_DB``, default 15), so that a running demo's
worker never takes a test's task.
"""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ["LACS_PROFILE"] = "test"

from lacs.settings import *  # noqa: F403
from lacs.settings import REDIS_URL as _BASE_REDIS_URL

_parts = urlsplit(_BASE_REDIS_URL)
REDIS_URL = urlunsplit(_parts._replace(path=f"/{os.environ.get('LACS_TEST_REDIS_DB', '15')}"))
CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
