import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_names_celery_when_no_worker_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok" and body["redis"] == "ok"
    assert body["celery"] != "ok"


def test_healthz_names_redis_when_it_is_down(client):
    dead = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=dead):
        from django.core.cache import caches

        caches._settings = None
        if hasattr(caches._connections, "default"):
            del caches._connections.default
        response = client.get("/healthz")
    if hasattr(caches._connections, "default"):
        del caches._connections.default
    assert response.status_code == 503
    assert response.json()["redis"].startswith("error")


@pytest.mark.services
def test_healthz_is_ok_with_every_service_up(client, celery_worker_process):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok", "celery": "ok"}


@pytest.mark.services
def test_task_round_trip_through_a_real_worker(celery_worker_process):
    from lacs.tasks import ping

    assert ping.delay("eco").get(timeout=30) == "eco"


def test_beat_runs_every_apps_periodic_tasks():
    from importlib import import_module

    from lacs.celery import app

    app.finalize()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    for module in ("cases.tasks", "ethics.tasks", "oversight.tasks"):
        declared = {entry["task"] for entry in import_module(module).BEAT_SCHEDULE.values()}
        assert declared and declared <= scheduled, module
