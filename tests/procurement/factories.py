from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import factory

from procurement.models import BidProtest, Buyer, ImportBatch, ImportStatus, Method, Process


class BuyerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Buyer
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"BUYER{n:04d}")
    name = factory.Sequence(lambda n: f"Comprador {n}")


class ProcessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Process

    ocid = factory.Sequence(lambda n: f"ocds-test-{n:06d}")
    data = factory.LazyAttribute(lambda o: {"ocid": o.ocid, "tag": ["compiled"]})
    digest = "x"
    year = 2016
    title = factory.Sequence(lambda n: f"Procedimiento {n}")
    method = Method.DIRECT
    currency = "MXN"
    awarded_amount = Decimal("100000.00")
    buyer = factory.SubFactory(BuyerFactory)
    date = factory.LazyFunction(lambda: dt.datetime(2016, 3, 1, tzinfo=dt.UTC))


class BidProtestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BidProtest

    process = factory.SubFactory(ProcessFactory)
    protester = "Licitante Inconforme SA de CV"
    grounds = "Evaluación indebida"
    filed_on = dt.date(2026, 1, 10)
    respond_by = dt.date(2026, 2, 24)


def batch_finished(batch: ImportBatch, seconds: float) -> ImportBatch:
    """The batch once a worker has finished it (done or failed), or as it is after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status in (ImportStatus.DONE, ImportStatus.FAILED):
            break
        time.sleep(0.3)
    return batch
