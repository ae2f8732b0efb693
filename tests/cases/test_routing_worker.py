"""Routing through real processes: a Celery worker, its own Redis stopped and restarted, a
worker SIGKILLed in the middle of routing. Every case must end up routed exactly once."""

from __future__ import annotations

import pytest
import redis
from django.db import transaction

from cases.models import CaseKeyWrap, CaseRecipient, CaseRouting, WrapKind
from cases.tasks import case_route_task, routing_sweep_task
from lacs.celery import app as celery_app
from lacs.models import AuditEvent, Role
from tests.cases.factories import open_case
from tests.conftest import WorkerProcess, make_user
from tests.reliability import stack
from tests.reliability.stack import wait_until

pytestmark = pytest.mark.services
TEST_DB = 11  # the Redis database number inside our own server


class RedisServer(stack.RedisServer):
    """The reliability suite's throwaway redis-server, addressed at this test's database."""

    @property
    def url(self) -> str:  # type: ignore[override]
        return super().url(TEST_DB)


def _use_broker(url: str) -> None:
    celery_app.conf.broker_url = url
    celery_app._pool = None  # drop pooled connections to the previous broker
    celery_app.amqp._producer_pool = None


@pytest.fixture
def own_redis(transactional_db, tmp_path):
    server = RedisServer().start()
    before = celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False
    _use_broker(server.url)
    yield server
    _use_broker(before)
    celery_app.conf.task_always_eager = True
    server.destroy()


def worker_answers(server: RedisServer) -> bool:
    try:
        return bool(celery_app.control.ping(timeout=0.5))
    except Exception:  # a pooled connection from before the restart: drop it and retry
        _use_broker(server.url)
        return False


def worker_idle(server: RedisServer) -> bool:
    """No message waits in the queue and the worker runs nothing."""
    queued = redis.Redis(port=server.port, db=TEST_DB).llen("celery")
    busy = celery_app.control.inspect(timeout=0.5).active() or {}
    return queued == 0 and bool(busy) and not any(busy.values())


def worker_for(server: RedisServer, **env: str) -> WorkerProcess:
    return WorkerProcess(REDIS_URL=server.url, **env).start()


def submit(entity, n: int) -> list[int]:
    ids = []
    for _ in range(n):
        case, _key = open_case(entity)  # commits; on_commit tries the broker once
        ids.append(case.pk)
    return ids


def routed(ids) -> bool:
    return CaseRouting.objects.filter(case_id__in=ids, state="done").count() == len(ids)


def is_claimed(case_id: int) -> bool:
    """True while some worker holds the outbox row's lock (we cannot take it)."""
    with transaction.atomic():
        free = CaseRouting.objects.select_for_update(skip_locked=True).filter(case_id=case_id)
        return not free.exists()


def assert_routed_exactly_once(ids, contact) -> None:
    assert routed(ids)
    for case_id in ids:
        assert AuditEvent.objects.filter(action="case.route", object_id=str(case_id)).count() == 1
        assert list(
            CaseRecipient.objects.filter(case_id=case_id).values_list("user_id", flat=True)
        ) == [contact.pk]
    assert not CaseKeyWrap.objects.filter(case_id__in=ids, kind=WrapKind.INTAKE).exists()
    assert CaseKeyWrap.objects.filter(case_id__in=ids, kind=WrapKind.RECIPIENT).count() == len(ids)


def test_redis_down_and_worker_killed_mid_routing_still_route_every_case_once(own_redis, entity):
    contact = make_user(Role.CONTACT, entity)
    worker = worker_for(own_redis)
    try:
        normal = submit(entity, 4)
        wait_until(lambda: routed(normal))

        own_redis.stop()  # Redis goes away: reports are still accepted
        while_down = submit(entity, 4)
        assert CaseRouting.objects.filter(case_id__in=while_down, state="pending").count() == 4

        own_redis.start()  # back: the beat sweep routes what was left behind
        _use_broker(own_redis.url)
        wait_until(lambda: worker_answers(own_redis))
        routing_sweep_task.apply_async(kwargs={"older_than_seconds": 0})
        wait_until(lambda: routed(while_down))
    finally:
        worker.stop()

    slow = worker_for(own_redis, LACS_CASES_TEST_ROUTING_PAUSE="5")
    try:
        (victim,) = submit(entity, 1)
        try:
            wait_until(lambda: is_claimed(victim), timeout=30, step=0.05)
        except AssertionError:
            print("DEBUG", CaseRouting.objects.filter(case_id=victim).values())
            raise
        slow.kill()  # SIGKILL inside the routing transaction
    finally:
        slow.stop()
    wait_until(lambda: not is_claimed(victim), timeout=10)
    assert CaseRouting.objects.get(case_id=victim).state == "pending"
    assert not CaseRecipient.objects.filter(case_id=victim).exists()

    worker = worker_for(own_redis)
    try:
        all_ids = [*normal, *while_down, victim]
        routing_sweep_task.apply_async(kwargs={"older_than_seconds": 0})
        wait_until(lambda: routed(all_ids))
        for case_id in all_ids:  # every message delivered once more: nothing changes
            case_route_task.apply_async((case_id,))
        routing_sweep_task.apply_async(kwargs={"older_than_seconds": 0})
        wait_until(lambda: worker_idle(own_redis))
    finally:
        worker.stop()
    assert_routed_exactly_once(all_ids, contact)


def test_routing_and_beat_tasks_run_in_a_real_worker(celery_worker_process, entity):
    import datetime as dt

    from cases.models import Case
    from cases.tasks import deadlines_check_task, recipients_expire_task, unrouted_alert_task

    contact = make_user(Role.CONTACT, entity)
    (case_id,) = submit(entity, 1)  # on commit → broker → worker
    wait_until(lambda: routed([case_id]))
    Case.objects.filter(pk=case_id).update(acknowledge_by=dt.date(2020, 1, 1))
    assert deadlines_check_task.delay().get(timeout=60)["ack_breached"] == 1
    assert Case.objects.get(pk=case_id).acknowledge_breached_on is not None
    assert recipients_expire_task.delay().get(timeout=60) == 0
    assert routing_sweep_task.delay(0).get(timeout=60) == 0
    assert unrouted_alert_task.delay().get(timeout=60) == 0
    assert_routed_exactly_once([case_id], contact)
