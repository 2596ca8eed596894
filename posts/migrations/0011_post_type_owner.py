"""Each post type now belongs to a county, a town or a village (the fields; the rows are moved by 0012 and the
constraints added by 0013: on PostgreSQL a migration that updates rows cannot alter the same table afterwards,
"pending trigger events")."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('grids', '0008_name_key'),
        ('posts', '0010_stagetarget'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='posttype',
            name='posttype_unique_town_name',
        ),
        migrations.AddField(
            model_name='posttype',
            name='county',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='post_types', to='grids.county', verbose_name='县统一设定'),
        ),
        migrations.AddField(
            model_name='posttype',
            name='town',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='post_types', to='grids.town', verbose_name='镇党委设定'),
        ),
        migrations.AlterField(
            model_name='posttype',
            name='village',
            field=models.ForeignKey(blank=True, help_text='县、镇、村三者填且只填一项。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='own_post_types', to='grids.village', verbose_name='自设村'),
        ),
    ]
