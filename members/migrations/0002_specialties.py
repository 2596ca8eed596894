from django.db import migrations

# The specialties a village survey asks about (特长); villages can add more in the admin.
SPECIALTIES = [
    "种植养殖", "农机驾驶", "建筑施工", "水电维修", "家电维修", "医疗护理", "法律知识", "调解沟通",
    "宣传写作", "文艺表演", "书法绘画", "电脑网络", "财务会计", "教育辅导", "经商营销", "治安巡防",
    "环境保洁", "照料老人",
]


def add_specialties(apps, schema_editor):
    Specialty = apps.get_model("members", "Specialty")
    for order, name in enumerate(SPECIALTIES, start=1):
        Specialty.objects.get_or_create(name=name, defaults={"order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]

    operations = [migrations.RunPython(add_specialties, migrations.RunPython.noop)]
