"""Compress the stored OCDS documents with LZ4 where the server has it (PostgreSQL 14+ built
with lz4): the default, pglz, costs several times more CPU on every import of JSONB over 2 KB.
Only newly written values use it; reading is the same either way."""

from django.db import migrations

TABLES = ("procurement_process", "procurement_release")


def _has_lz4(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND 'lz4' = ANY(enumvals)"
        )
        return cursor.fetchone() is not None


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or not _has_lz4(schema_editor):
        return
    for table in TABLES:
        schema_editor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "data" SET COMPRESSION lz4')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or not _has_lz4(schema_editor):
        return
    for table in TABLES:
        schema_editor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "data" SET COMPRESSION DEFAULT')


class Migration(migrations.Migration):
    dependencies = [("procurement", "0003_process_indicator_data")]

    operations = [migrations.RunPython(forwards, backwards)]
