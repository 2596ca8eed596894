from django.db import migrations

from jinchen.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("posts", "0004_assignment_completed")]

    operations = [append_only("posts_roundlog"), append_only("posts_assignmentlog")]
