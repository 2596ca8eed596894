from django.db import migrations

from jinchen.append_only import no_truncate


class Migration(migrations.Migration):
    dependencies = [("commitments", "0006_leases")]

    operations = [no_truncate("commitments_issueddocument")]
