from django.db import migrations

from jinchen.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("commitments", "0001_initial")]

    operations = [append_only("commitments_issueddocument")]
