from django.db import migrations, models


class Migration(migrations.Migration):
    """Releases remember the version of the package they came in, which picks the merge rules.
    Releases stored before were merged with lists of objects without ids replaced whole (the 1.0
    rule): they are marked 1.0 so their processes compile as before; new ones default to 1.1."""

    dependencies = [
        ("procurement", "0007_process_fewer_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="release",
            name="ocds_version",
            field=models.CharField(default="1.0", max_length=10),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="release",
            name="ocds_version",
            field=models.CharField(default="1.1", db_default="1.1", max_length=10),
        ),
    ]
