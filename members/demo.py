"""A realistic, fictional 金城镇 for demonstrations and benchmarks.

Everything is generated from a seeded random source, so two runs build the same town. Rows are
inserted in bulk: a county's worth (about 10,000 members) takes seconds, not minutes.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from grids.models import County, Grid, Town, Village
from grids.names import sort_key
from jinchen.security import DEMO_GROUP, DEMO_PASSWORD  # noqa: F401 (seed_demo prints the password)

from . import idcard
from .models import (
    CadrePost,
    Education,
    Health,
    Member,
    Membership,
    NeedCategory,
    NeedKind,
    NeedMethod,
    NeedRecord,
    Specialty,
    VillagePlan,
    add_years,
)

COUNTY = "金城县"  # the county at county scale (seed_demo --scale county)
HOME_TOWN = "金城镇"
OTHER_TOWNS = [
    "金湖镇",
    "银桥镇",
    "青山镇",
    "白马镇",
    "石门镇",
    "永丰镇",
    "长乐镇",
    "双河镇",
    "新集镇",
    "安平镇",
    "兴隆镇",
]
VILLAGES = [
    "金城村",
    "新河村",
    "东湖村",
    "西岗村",
    "南塘村",
    "北圩村",
    "桥头村",
    "柳庄村",
    "杨湾村",
    "长丰村",
    "永安村",
    "红旗村",
    "丰收村",
    "三里村",
    "五星村",
    "王庄村",
    "李集村",
]
NUMERALS = "一二三四五六七八九十"
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙朱马胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
MALE_CHARS = "国建华军明伟强志勇平东海林文斌德俊成福春荣保永祥学正金友富山根发汉忠良宝兴家才"
FEMALE_CHARS = "秀英兰芳玉珍桂梅丽红霞凤琴云莲燕萍娟敏静慧芬翠美月花"
REGION = "320981"  # first six digits of the demo ID numbers (a valid province prefix, fictional county)

NEEDS = {
    NeedCategory.APPEARANCE: [
        "村东河道垃圾堆积，夏季有异味，希望定期清理。",
        "部分农户房前屋后乱堆柴草杂物，影响村容村貌。",
        "主干道路灯损坏多处，晚上出行不便。",
        "有人在承包地上私搭乱建，希望村里及时制止。",
    ],
    NeedCategory.SECURITY: [
        "近期外来人员增多，希望加强夜间巡逻。",
        "村口停放的电动车多次被盗，希望增设监控。",
        "池塘边没有护栏，存在儿童落水隐患。",
        "老旧房屋电线私拉乱接，担心发生火灾。",
    ],
    NeedCategory.ELDERLY_YOUTH: [
        "独居老人较多，希望有人定期上门看望。",
        "留守儿童放学后无人照看，作业没人辅导。",
        "高龄老人看病取药不方便，希望有人帮忙代办。",
    ],
    NeedCategory.POLICY_LAW: [
        "对城乡居民医保、养老保险缴费政策不了解。",
        "土地流转合同条款看不懂，担心吃亏。",
        "电信诈骗多发，希望多宣传防骗知识。",
        "希望讲清楚宅基地审批和危房改造的政策。",
    ],
    NeedCategory.DISPUTES: [
        "相邻两户宅基地界址不清，多次发生争吵。",
        "兄弟之间因赡养老人问题产生矛盾，需要调解。",
        "承包地边界和灌溉用水问题引发邻里纠纷。",
    ],
    NeedCategory.NEIGHBOURHOOD: [
        "新搬来的住户与左邻右舍缺少来往，有隔阂。",
        "邻里之间因排水沟走向产生矛盾。",
        "希望组织邻里互助，农忙时帮扶缺劳力家庭。",
    ],
    NeedCategory.OTHER: ["农产品销路不畅，希望帮助联系收购。", "村里缺少健身场地，希望增设健身器材。"],
}

# Older rural members mostly left school early; younger ones often went to college.
EDUCATION_BY_AGE = [
    (65, [Education.PRIMARY] * 4 + [Education.JUNIOR_HIGH] * 4 + [Education.HIGH_SCHOOL]),
    (
        45,
        [
            Education.PRIMARY,
            Education.JUNIOR_HIGH,
            Education.JUNIOR_HIGH,
            Education.HIGH_SCHOOL,
            Education.SECONDARY_VOCATIONAL,
            Education.COLLEGE,
        ],
    ),
    (
        0,
        [
            Education.HIGH_SCHOOL,
            Education.SECONDARY_VOCATIONAL,
            Education.COLLEGE,
            Education.COLLEGE,
            Education.BACHELOR,
            Education.BACHELOR,
            Education.POSTGRADUATE,
        ],
    ),
]

CADRE_POSTS = [
    CadrePost.VILLAGE_SECRETARY,
    CadrePost.COMMITTEE_DIRECTOR,
    CadrePost.VILLAGE_BRANCH_MEMBER,
    CadrePost.COMMITTEE_MEMBER,
    CadrePost.COMMITTEE_MEMBER,
    CadrePost.SUPERVISION_DIRECTOR,
]

PLAN_TEXT = """一、指导思想
为贯彻落实镇党委关于在基础网格中开展“无职党员设岗定责”活动的部署，充分发挥无职党员在网格化社会治理中的先锋模范作用，结合本村实际，制定本方案。

二、调查摸底情况
本村组织专人对各网格无职党员的数量、文化程度、特长、年龄等情况进行了调查，并通过入户走访、召开座谈会等形式了解群众关心的焦点、热点、难点问题。

三、岗位设置
按照按需设岗、因事设岗的原则，在各网格设置邻里和睦示范岗、村容村貌监督岗、社会治安巡逻岗、尊老爱幼示范岗、政策法律宣传岗、民事纠纷调解岗等岗位。

四、时间安排
（一）制定方案阶段；（二）申报选岗阶段；（三）支部议岗阶段；（四）群众定岗阶段；（五）严格评岗阶段。

五、工作要求
村党总支书记为第一责任人，各网格支部书记为具体工作落实的负责人。"""


def flag_demo_accounts(users):
    """Demo accounts belong to the group 演示账号: production refuses to start while one keeps its password."""
    group, _ = Group.objects.get_or_create(name=DEMO_GROUP)
    through = get_user_model().groups.through
    through.objects.bulk_create([through(user_id=u.pk, group_id=group.pk) for u in users], ignore_conflicts=True)


class DemoBuilder:
    def __init__(self, seed=2026, today=None):
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()  # the town's day (Asia/Shanghai), not the server's
        self.password = make_password(DEMO_PASSWORD)
        self.sequence = 0
        self.specialties = list(Specialty.objects.all())
        self.used_ids = set(Member.objects.filter(id_number__startswith=REGION).values_list("id_number", flat=True))

    def person_name(self, gender):
        chars = MALE_CHARS if gender == idcard.MALE else FEMALE_CHARS
        given = "".join(self.rng.choice(chars) for _ in range(self.rng.choice([1, 2, 2, 2])))
        return self.rng.choice(SURNAMES) + given

    def user(self, username, full_name):
        User = get_user_model()
        return User(username=username, first_name=full_name, password=self.password, is_active=True)

    @transaction.atomic
    def build_town(self, name, prefix, village_names, members_per_village=50):
        """Build one town unless it exists; return (town, created)."""
        if Town.objects.filter(name=name).exists():
            return Town.objects.get(name=name), False
        User = get_user_model()
        town = Town.objects.create(name=name)
        committee = self.user(f"{prefix}zhen", f"{name}党委 {self.person_name(idcard.MALE)}")
        committee.save()
        town.committee.add(committee)
        secretaries = [
            self.user(f"{prefix}cun{i:02d}", self.person_name(self.rng.choice("MMMF")))
            for i in range(1, len(village_names) + 1)
        ]
        User.objects.bulk_create(secretaries)
        secretaries = {u.username: u for u in User.objects.filter(username__in=[u.username for u in secretaries])}
        villages = Village.objects.bulk_create(
            Village(town=town, name=v, name_key=sort_key(v), secretary=secretaries[f"{prefix}cun{i:02d}"])
            for i, v in enumerate(village_names, start=1)
        )
        villages = list(Village.objects.filter(town=town).order_by("pk"))
        grid_users, grids = [], []
        for vi, village in enumerate(villages, start=1):
            for gi in range(1, self.rng.choice([8, 9, 9, 10]) + 1):
                username = f"{prefix}wg{vi:02d}{gi:02d}"
                grid_users.append(self.user(username, self.person_name(self.rng.choice("MMMF"))))
                households = self.rng.randint(80, 260)
                grids.append(
                    Grid(
                        village=village,
                        number=gi,
                        name=f"第{NUMERALS[gi - 1]}网格",
                        households=households,
                        population=int(households * self.rng.uniform(2.7, 3.4)),
                        scope=f"{village.name}{gi * 2 - 1}组、{gi * 2}组",
                        secretary_phone=f"1{self.rng.choice('3578')}{self.rng.randint(0, 999999999):09d}",
                    )
                )
                grids[-1].secretary_username = username
        User.objects.bulk_create(grid_users)
        by_name = {u.username: u for u in User.objects.filter(username__startswith=f"{prefix}wg")}
        for g in grids:
            g.secretary = by_name[g.secretary_username]
        Grid.objects.bulk_create(grids)
        grids = list(Grid.objects.filter(village__town=town).select_related("village").order_by("pk"))
        flag_demo_accounts([committee, *secretaries.values(), *by_name.values()])
        self.build_members(grids, villages, members_per_village)
        self.build_needs(grids)
        VillagePlan.objects.create(
            village=villages[0],
            year=self.today.year,
            title=f"{villages[0].name}“无职党员设岗定责”活动实施方案",
            content=PLAN_TEXT,
            starts_on=self.today.replace(month=3, day=1),
            ends_on=self.today.replace(month=12, day=31),
            updated_by=villages[0].secretary,
        )
        return town, True

    def build_members(self, grids, villages, per_village):
        by_village = {}
        for g in grids:
            by_village.setdefault(g.village_id, []).append(g)
        members = []
        for village in villages:
            count = self.rng.randint(per_village - 8, per_village + 8)
            cadres = list(CADRE_POSTS[: self.rng.randint(4, len(CADRE_POSTS))])
            for _ in range(count):
                members.append(self.member(self.rng.choice(by_village[village.pk]), cadres.pop() if cadres else ""))
        for m in members:
            m.name_key = sort_key(m.name)  # bulk_create calls no save()
        Member.objects.bulk_create(members, batch_size=2000)
        links = []
        Through = Member.specialties.through
        for m in members:
            for s in self.rng.sample(self.specialties, self.rng.choice([0, 1, 1, 2, 2, 3])):
                links.append(Through(member_id=m.pk, specialty_id=s.pk))
        Through.objects.bulk_create(links, batch_size=5000)

    def unique_id_number(self, birth, gender):
        """A valid ID number never handed out before in this run or already in the database."""
        while True:
            self.sequence = (self.sequence + 1) % 500
            number = idcard.make_id_number(REGION, birth, self.sequence * 2 + (gender == idcard.MALE))
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def member(self, grid, cadre_post):
        rng = self.rng
        gender = idcard.MALE if rng.random() < 0.74 else idcard.FEMALE
        age = min(92, max(21, int(rng.triangular(21, 90, 62))))
        birth = self.today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
        id_number = self.unique_id_number(birth, gender)
        joined = add_years(birth, rng.randint(18, max(19, min(age - 1, 45))))
        joined = min(joined, self.today - datetime.timedelta(days=rng.randint(30, 400)))
        if rng.random() < 0.04:  # a few joined this year and are still probationary
            joined = self.today - datetime.timedelta(days=rng.randint(30, 330))
        probationary = (self.today - joined).days < 365
        education = rng.choice(next(choices for min_age, choices in EDUCATION_BY_AGE if age >= min_age))
        poor_chance = 0.35 if age >= 78 else 0.12 if age >= 68 else 0.03
        roll = rng.random()
        health = Health.POOR if roll < poor_chance else Health.FAIR if roll < poor_chance + 0.2 else Health.GOOD
        return Member(
            grid=grid,
            name=self.person_name(gender),
            gender=gender,
            id_number=id_number,
            birth_date=birth,
            phone=f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}",
            education=education,
            joined_on=joined,
            membership=Membership.PROBATIONARY if probationary else Membership.FULL,
            address=f"{grid.village.name}{grid.number * 2 - rng.randint(0, 1)}组{rng.randint(1, 60)}号",
            health=health,
            cadre_post=cadre_post,
            is_away=age < 55 and rng.random() < 0.15,
            is_willing=rng.random() > 0.04,
        )

    def build_needs(self, grids):
        categories = list(NEEDS)
        needs = []
        for g in grids:
            for _ in range(self.rng.randint(2, 5)):
                category = self.rng.choice(categories)
                visit = self.rng.random() < 0.6
                needs.append(
                    NeedRecord(
                        grid=g,
                        recorded_on=self.today - datetime.timedelta(days=self.rng.randint(3, 120)),
                        method=NeedMethod.VISIT if visit else NeedMethod.FORUM,
                        participants=f"走访农户{self.rng.randint(5, 20)}户"
                        if visit
                        else f"网格群众代表座谈会，{self.rng.randint(6, 15)}人参加",
                        issue=self.rng.choice(NEEDS[category]),
                        category=category,
                        kind=self.rng.choice(NeedKind.values),
                        recorded_by=g.secretary,
                    )
                )
        NeedRecord.objects.bulk_create(needs, batch_size=2000)


def seed_demo(scale="town", stdout=None):
    """Build 金城镇 (and, at county scale, eleven more towns); safe to run again."""
    builder = DemoBuilder()
    results = [builder.build_town(HOME_TOWN, "", VILLAGES)]
    if scale == "county":
        for i, name in enumerate(OTHER_TOWNS, start=1):
            villages = [f"{name[:2]}{v}" for v in VILLAGES]
            results.append(builder.build_town(name, f"t{i:02d}", villages))
        county, created = County.objects.get_or_create(name=COUNTY)
        Town.objects.filter(name__in=[HOME_TOWN, *OTHER_TOWNS]).update(county=county)
        if created:  # the county's own account reads every town
            reader = builder.user("xian", f"{COUNTY}委组织部 {builder.person_name(idcard.MALE)}")
            reader.save()
            county.committee.add(reader)
            flag_demo_accounts([reader])
    return results
