"""The rules of post types' owners, once every row has one (0012): exactly one of county, town and village, and
names unique within each."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("posts", "0012_post_type_owner_data")]

    operations = [
        migrations.AddConstraint(
            model_name='posttype',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('county__isnull', False), ('town', None), ('village', None)), models.Q(('county', None), ('town__isnull', False), ('village', None)), models.Q(('county', None), ('town', None), ('village__isnull', False)), _connector='OR'), name='posttype_one_owner'),
        ),
        migrations.AddConstraint(
            model_name='posttype',
            constraint=models.UniqueConstraint(condition=models.Q(('county__isnull', False)), fields=('county', 'name'), name='posttype_unique_county_name'),
        ),
        migrations.AddConstraint(
            model_name='posttype',
            constraint=models.UniqueConstraint(condition=models.Q(('town__isnull', False)), fields=('town', 'name'), name='posttype_unique_town_name'),
        ),
    ]
