"""Migration 0005 gives processes imported before it their indicator facts."""

from __future__ import annotations

import orjson
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from procurement.indicators import release_facts

BEFORE = [("procurement", "0004_lz4_compression")]
AFTER = [("procurement", "0005_process_indicator_facts")]


@pytest.mark.django_db(transaction=True)
def test_migration_fills_the_facts_of_processes_imported_before_it():
    from tests.procurement.test_performance_paths import releases

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps.get_model("procurement", "Process")
        data = releases(5)
        for release in data:
            old.objects.create(ocid=release["ocid"], data=release, digest="d")
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)
        with connection.cursor() as cursor:
            cursor.execute("SELECT ocid, indicator_facts FROM procurement_process ORDER BY id")
            stored = cursor.fetchall()
    finally:  # the tests after this one need the schema of every migration, not of 0005's day
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert [(ocid, orjson.loads(facts)) for ocid, facts in stored] == [
        (r["ocid"], release_facts(r)) for r in data
    ]
