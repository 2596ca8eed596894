import uuid

from django.db import migrations, models


def first_version(apps, schema_editor):
    apps.get_model("grids", "DataVersion").objects.create(pk=1, version=uuid.uuid4().hex)


class Migration(migrations.Migration):
    dependencies = [("grids", "0005_county")]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.CharField(max_length=32, verbose_name="数据版本")),
            ],
            options={"verbose_name": "数据版本", "verbose_name_plural": "数据版本"},
        ),
        migrations.RunPython(first_version, migrations.RunPython.noop),
    ]
