import secrets

from django.db import migrations, models

import grids.models


def fill_tokens(apps, schema_editor):
    Grid = apps.get_model("grids", "Grid")
    for grid in Grid.objects.filter(public_token=None).only("pk"):
        Grid.objects.filter(pk=grid.pk).update(public_token=secrets.token_urlsafe(12))


class Migration(migrations.Migration):
    dependencies = [("grids", "0003_audit_history")]

    operations = [
        migrations.AddField(
            model_name="grid", name="public_token",
            field=models.CharField(max_length=32, null=True, editable=False, verbose_name="公开页标识"),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="grid", name="public_token",
            field=models.CharField(default=grids.models.new_public_token, editable=False, max_length=32, unique=True,
                                   verbose_name="公开页标识"),
        ),
        migrations.AddField(
            model_name="historicalgrid", name="public_token",
            field=models.CharField(db_index=True, default=grids.models.new_public_token, editable=False, max_length=32,
                                   verbose_name="公开页标识"),
        ),
    ]
