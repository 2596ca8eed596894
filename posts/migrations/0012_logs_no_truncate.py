from django.db import migrations

from jinchen.append_only import no_truncate


class Migration(migrations.Migration):
    dependencies = [("posts", "0011_post_type_owner")]

    operations = [no_truncate("posts_roundlog"), no_truncate("posts_assignmentlog")]
