from django.db import migrations

from jinchen.append_only import no_truncate


class Migration(migrations.Migration):
    dependencies = [("posts", "0013_post_type_owner_constraints")]

    operations = [no_truncate("posts_roundlog"), no_truncate("posts_assignmentlog")]
