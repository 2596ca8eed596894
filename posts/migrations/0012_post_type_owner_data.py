"""Each post type now belongs to a county, a town or a village; the town-wide entries, shared until now by every
town of the deployment, become each town's own.

Why a copy per town and not county-wide entries: every town committee has been keeping these entries as its own
catalogue (the plan is the town's; 金城镇's duties were edited in place by another town), and the county has had
no say in them. Made county-wide, no town could edit them any more, and a deployment without a county (Town.county
is optional, the common case of one town) would have nobody to keep them but the administrator. So every town gets
the entries as they stand today, its posts are pointed at its own copy, and each committee goes on editing its own.
The oldest town keeps the original rows (its posts and their history keep the same post types). A county that wants
a shared type adds it afterwards as county-wide. On a database without towns (a new one) the shared rows are
dropped: a town loads the plan's six when it is set up (seed_demo, or the button on the 岗位类型 page).
"""

from django.db import migrations


def give_each_town_its_own(apps, schema_editor):
    PostType = apps.get_model("posts", "PostType")
    Post = apps.get_model("posts", "Post")
    Town = apps.get_model("grids", "Town")
    shared = list(PostType.objects.filter(village=None).order_by("pk"))
    towns = list(Town.objects.order_by("pk"))
    if not towns:
        PostType.objects.filter(pk__in=[t.pk for t in shared]).delete()
        return
    first, *others = towns
    for t in shared:
        for town in others:
            copy = PostType.objects.create(
                town=town, name=t.name, duties=t.duties, need_category=t.need_category, order=t.order
            )
            Post.objects.filter(post_type=t, grid__village__town=town).update(post_type=copy)
        t.town = first
        t.save(update_fields=["town"])


def share_again(apps, schema_editor):
    """Back to one shared catalogue: the first entry of each name stays, the others' posts point at it."""
    PostType = apps.get_model("posts", "PostType")
    Post = apps.get_model("posts", "Post")
    kept = {}
    for t in PostType.objects.filter(village=None).order_by("pk"):
        if t.name in kept:
            Post.objects.filter(post_type=t).update(post_type=kept[t.name])
            t.delete()
        else:
            t.town = t.county = None
            t.save(update_fields=["town", "county"])
            kept[t.name] = t


class Migration(migrations.Migration):

    dependencies = [("posts", "0011_post_type_owner")]

    operations = [migrations.RunPython(give_each_town_its_own, share_again)]
