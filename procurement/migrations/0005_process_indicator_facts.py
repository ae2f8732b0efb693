"""Processes keep what the indicators read of their compiled release (``indicator_facts``,
written at import) instead of the trimmed copy of 0003. Rows imported before get theirs here,
from their stored release; the indicators also derive them for any row still without."""

import orjson
from django.db import migrations, models

BATCH = 2000


def backfill(apps, schema_editor):
    from psycopg2.extras import execute_values

    from procurement.indicators import release_facts

    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id, data::text FROM procurement_process "
                "WHERE id > %s AND indicator_facts IS NULL ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            facts = [(pk, orjson.dumps(release_facts(orjson.loads(data))).decode()) for pk, data in rows]
            execute_values(
                cursor.cursor,
                "UPDATE procurement_process AS p SET indicator_facts = v.facts "
                "FROM (VALUES %s) AS v (id, facts) WHERE p.id = v.id",
                facts,
                page_size=BATCH,
            )
            last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("procurement", "0004_lz4_compression")]

    operations = [
        migrations.AddField(
            model_name="process",
            name="indicator_facts",
            field=models.TextField(editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RemoveField(model_name="process", name="indicator_data"),
    ]
