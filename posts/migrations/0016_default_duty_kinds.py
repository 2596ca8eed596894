from django.db import migrations

KINDS = [
    ("巡逻", "security"),
    ("调解", "disputes"),
    ("宣传", "policy_law"),
    ("走访", "elderly_youth"),
    ("帮扶", "elderly_youth"),
    ("监督", "appearance"),
    ("其他", ""),
]


def add_kinds(apps, schema_editor):
    DutyKind = apps.get_model("posts", "DutyKind")
    for order, (name, category) in enumerate(KINDS, start=1):
        DutyKind.objects.get_or_create(town=None, name=name, defaults={"need_category": category, "order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("posts", "0015_year_on_post")]

    operations = [migrations.RunPython(add_kinds, migrations.RunPython.noop)]
