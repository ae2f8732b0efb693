"""Start-up refuses bad or missing settings, naming the variable."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _start(env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LACS_", "DJANGO_"))}
    base.update(
        {
            "DJANGO_SETTINGS_MODULE": "lacs.settings",
            "DATABASE_URL": "postgres://u@127.0.0.1/x",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"LACS_PROFILE": "production"}, "SECRET_KEY"),
        ({"LACS_PROFILE": "staging"}, "LACS_PROFILE"),
        ({"LACS_PROFILE": "demo", "DEBUG": "maybe"}, "DEBUG"),
        ({"LACS_PROFILE": "demo", "LACS_ACKNOWLEDGE_DAYS": "seven"}, "LACS_ACKNOWLEDGE_DAYS"),
        ({"LACS_PROFILE": "demo", "LACS_FEEDBACK_DAYS": "0"}, "LACS_FEEDBACK_DAYS"),
        ({"LACS_PROFILE": "demo", "DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"LACS_PROFILE": "demo", "REDIS_URL": "http://x"}, "REDIS_URL"),
        ({"LACS_PROFILE": "production", "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"LACS_PROFILE": "production", "SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS"),
    ],
)
def test_bad_setting_stops_start_up_naming_the_variable(env, named):
    result = _start(env)
    assert result.returncode != 0
    assert named in result.stderr


def test_production_profile_starts_with_every_secret_given():
    result = _start(
        {
            "LACS_PROFILE": "production",
            "SECRET_KEY": "k" * 60,
            "ALLOWED_HOSTS": "integridad.cdmx.gob.mx",
            "LACS_INTAKE_PUBLIC_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        }
    )
    assert result.returncode == 0, result.stderr
