"""System-core tasks."""

from celery import shared_task


@shared_task(name="lacs.ping")
def ping(value: str = "pong") -> str:
    """Round-trip check used by tests and operators: returns what it was given."""
    return value
