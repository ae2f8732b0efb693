"""The audit log refuses UPDATE and DELETE, even from the table's owner.

A trigger rather than REVOKE: the application's role usually owns its tables (it runs the
migrations), and an owner keeps every privilege a REVOKE takes away. Disabling the trigger needs
ALTER TABLE, which shows in PostgreSQL's logs, and still cannot forge a signed head.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION lacs_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""

TABLES = ("lacs_auditevent", "lacs_auditsignedhead")


def _create() -> list[str]:
    return [FUNCTION] + [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION lacs_audit_append_only()"
        for table in TABLES
    ]


def _drop() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in TABLES] + [
        "DROP FUNCTION IF EXISTS lacs_audit_append_only()"
    ]


class Migration(migrations.Migration):
    dependencies = [("lacs", "0004_audit_signed_heads_actor_as_data")]

    operations = [migrations.RunSQL(_create(), _drop())]
