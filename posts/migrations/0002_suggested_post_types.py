from django.db import migrations

# The six post types the town's plan suggests (方案第四部分), with its three duties each, verbatim.
SUGGESTED = [
    ("邻里和睦示范岗", "neighbourhood", [
        "带头处理好邻里关系，能与左邻右舍和睦相处。",
        "主动搞好群众团结，发扬互助精神。",
        "协助支部处理社会矛盾，主持公道，知荣弃耻，弘扬社会美德。",
    ]),
    ("村容村貌监督岗", "appearance", [
        "保护和美化投资和人居环境，爱护好树木和花卉，保持环境整洁卫生，抵制违法用地、违章建设行为。",
        "对村容村貌和新农村规划提出合理化建议，监督和协助村委搞好道路直通、环境整洁、河道疏浚、散乱污企业整治等工程和各项公益设施。",
        "自觉参与村各项公益设施建设和环境美化活动。",
    ]),
    ("社会治安巡逻岗", "security", [
        "不定期巡逻，做好夜间巡逻，防止违法犯罪行为发生。",
        "细致巡查网格内的各类安全隐患，发现问题及时上报。",
        "认真了解、登记网格内发生的社会治安案件，及时向村或派出所报告，并支持配合案件的侦查。",
    ]),
    ("尊老爱幼示范岗", "elderly_youth", [
        "孝敬长辈，赡养老人，爱护晚辈，关心后代。",
        "家庭和睦，示范带动。",
        "协助村老年协会和关工委，做好老年工作和关心下一代工作。",
    ]),
    ("政策法律宣传岗", "policy_law", [
        "宣传党在农村的各项方针、政策和国家法律、法规以及村规民约，教育村民自觉遵纪守法，遵守社会公德。",
        "监督本村各项政策的落实情况，切实减轻农民负担，维护农民的合法权益。",
        "协助做好征地、拆迁等工作，主动做好政策的学习和宣传。",
    ]),
    ("民事纠纷调解岗", "disputes", [
        "协助民调治保处理好邻里、婚姻、房屋、土地、财产、借贷等方面的纠纷，维护本网格的稳定。",
        "主动报告民间纠纷调解工作情况，及时反映村民的意见和要求，协助化解社会各类民事矛盾。",
        "公道正派，主持正义，敢于向不良倾向和黑恶势力作斗争，弘扬社会正气。",
    ]),
]


def add_suggested(apps, schema_editor):
    PostType = apps.get_model("posts", "PostType")
    for order, (name, category, duties) in enumerate(SUGGESTED, start=1):
        PostType.objects.get_or_create(
            name=name,
            village=None,
            defaults={"duties": "\n".join(duties), "need_category": category, "order": order * 10},
        )


class Migration(migrations.Migration):
    dependencies = [("posts", "0001_initial")]

    operations = [migrations.RunPython(add_suggested, migrations.RunPython.noop)]
