"""Each password-wrapped key records the Argon2id parameters it was made with.

Keys made before this migration were made with the parameters then configured, which are the
ones configured now unless ``LACS_ARGON2_MEMORY_KIB`` changed in between (it was not safe to
change it before this migration).
"""

from django.db import migrations, models


def record_current(apps, schema_editor):
    from lacs.crypto import kdf_current

    apps.get_model("lacs", "UserKeyPair").objects.filter(kdf="").update(kdf=str(kdf_current()))


class Migration(migrations.Migration):
    dependencies = [("lacs", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="userkeypair",
            name="kdf",
            field=models.CharField(default="", max_length=40),
            preserve_default=False,
        ),
        migrations.RunPython(record_current, migrations.RunPython.noop),
    ]
