"""Each report records the Argon2id parameters its receipt was derived with.

Receipts given before this migration were derived with the parameters then configured, which are
the ones configured now unless ``LACS_ARGON2_MEMORY_KIB`` changed in between (it was not safe to
change it before this migration).
"""

from django.db import migrations, models


def record_current(apps, schema_editor):
    from lacs.crypto import kdf_current

    Report = apps.get_model("whistleblowing", "Report")
    Report.objects.filter(receipt_kdf="").update(receipt_kdf=str(kdf_current()))


class Migration(migrations.Migration):
    dependencies = [("whistleblowing", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="report",
            name="receipt_kdf",
            field=models.CharField(db_index=True, default="", max_length=40),
            preserve_default=False,
        ),
        migrations.RunPython(record_current, migrations.RunPython.noop),
    ]
