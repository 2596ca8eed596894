"""The demo's year on post (严格评岗): each member's duty ledger, residents' requests and quarterly reports, for the
villages of 金城镇 that are at 严格评岗 or have closed their round.

posts/demo.py runs the five steps through the real transitions; a year of ledger entries and requests that way
would take a minute, so they are written here in bulk, dated on the village's timeline: entries on the days the
work was done, requests with each step at its hour (auto_now_add fields set afterwards), and a version in the
history for each (as record_version keeps one for each move). Everything comes from a random source seeded with
the village's name, so two runs build the same year.
"""

import copy
import datetime
import io
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone
from PIL import Image, ImageDraw

from grids import figures
from grids.models import Grid
from members.demo import SURNAMES
from members.models import MemberAccount, NeedCategory

from .models import (
    Audience,
    DutyKind,
    DutyPhoto,
    DutyRecord,
    DutyState,
    DutyTerms,
    RequestKind,
    RequestState,
    RequestStep,
    ResidentRequest,
    Satisfaction,
    Status,
    StepAction,
    WorkReport,
)
from .models.duty import CODE_ALPHABET, CODE_LENGTH
from .onpost import CODE_ALPHABET as SLIP_ALPHABET
from .onpost import CODE_PREFIX, issue_access

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)

# Members of the first village on post who get a sign-in the demo prints (seed_demo): the first few by grid.
LOGINS = 3

# --- what the ledger says -------------------------------------------------------------------------------------

# Kinds that suit a post whose type has no kind of its own (邻里和睦 has none among the defaults).
RELATED_KINDS = {
    NeedCategory.NEIGHBOURHOOD: ["调解", "走访", "帮扶"],
    NeedCategory.OTHER: ["走访", "宣传", "帮扶"],
}
# Kinds every post records now and then.
COMMON_KINDS = {"走访", "宣传"}

PLACES = {
    "巡逻": ["{village}{group}组主干道", "{village}{group}组河塘边", "{village}村口至{group}组", "村部周边及文化广场"],
    "调解": ["{family}家中", "{village}{group}组", "村调解室"],
    "宣传": ["{village}{group}组", "村文化广场", "{family}家中", "村党群服务中心"],
    "走访": ["{village}{group}组", "{family}家中"],
    "帮扶": ["{family}家中", "{village}{group}组", "镇卫生院"],
    "监督": ["{village}{group}组", "{village}{group}组河道", "村东主干道沿线", "{village}{group}组居民点"],
    "其他": ["村党群服务中心", "{village}{group}组", "村部"],
}
SERVED = {
    "巡逻": ["{group}组村民", "沿线农户{n}户", ""],
    "调解": ["{family}与邻居", "{family}兄弟", "相邻两户村民"],
    "宣传": ["村民{n}人", "农户{n}户", "{group}组老年人"],
    "走访": ["{elder}", "留守老人{n}户", "{family}", "留守儿童家庭{n}户"],
    "帮扶": ["{elder}", "{family}", "留守儿童{n}名"],
    "监督": ["{group}组农户{n}户", "{group}组村民", ""],
    "其他": ["{group}组村民", ""],
}
# (what was done, the result) for each kind; {…} filled in per entry.
WORK = {
    "巡逻": [
        ("晚上7点到9点开展夜间巡逻，查看路灯和电动车停放情况，提醒农户关好门窗。", "未发现异常情况。"),
        ("巡查河塘护栏和警示牌，发现一处护栏松动，拍照报告村委会。", "村委会已安排人员加固护栏。"),
        ("配合村治保会检查老旧房屋和出租房用电情况，查看有无私拉乱接电线。", "发现{m}处电线私拉乱接，已督促户主整改。"),
        ("开展防火防盗巡查，劝阻一名村民在田边焚烧秸秆。", "明火已扑灭，向村民讲解了秸秆禁烧规定。"),
        ("巡逻中发现一位迷路的老人，问明住址后联系家属接回。", "老人已安全到家，家属表示感谢。"),
        ("节前对网格内商店、养殖场开展安全巡查。", "检查{n}处，提醒{m}户清理堆放的易燃物。"),
    ],
    "调解": [
        ("因宅基地边界问题发生争吵，上门了解情况，约双方到现场核对界址。", "双方同意按原界桩划定，矛盾化解。"),
        ("因老人赡养费分担产生矛盾，会同村调解委员会上门做工作。", "达成按月分担的协议，签订调解协议书。"),
        ("因排水沟走向发生纠纷，到现场查看，协调重新开挖排水沟。", "排水沟已改道，双方表示满意。"),
        ("因灌溉用水先后发生争执，上门调解，商量轮流放水。", "约定了轮流放水的时间，下周回访。"),
        ("因家禽啃食庄稼引起口角，上门说和。", "双方互相谅解，养殖户答应圈养家禽。"),
    ],
    "宣传": [
        ("宣传城乡居民医保和养老保险缴费政策，发放宣传单{n}份。", "帮助{m}户老人在手机上完成缴费。"),
        ("入户宣传防范电信诈骗知识，讲解近期常见的冒充客服、刷单骗局。", "指导{m}户安装国家反诈中心APP。"),
        ("讲解土地流转和宅基地审批政策，解答村民提问。", "{n}人参加，现场解答问题{m}个。"),
        ("宣传秸秆禁烧和防火规定，张贴通告，逐户提醒。", "通告张贴{m}处，村民知晓。"),
        ("讲解危房改造补助的申请条件和办理流程。", "帮助{m}户准备申请材料，已交村委会。"),
        ("宣传《民法典》中赡养、继承的有关规定。", "发放宣传册{n}本。"),
    ],
    "走访": [
        ("上门看望，了解身体和生活情况，帮助打扫屋子。", "老人身体尚好，生活能自理。"),
        ("走访了解家中困难和需求。", "反映屋顶漏雨，已报告村委会安排维修。"),
        ("走访网格内留守老人，帮助测量血压并登记。", "发现{m}位老人血压偏高，已联系村医上门。"),
        ("走访留守儿童家庭，了解孩子学习和生活情况。", "与在外打工的家长视频通话，说明孩子近况。"),
        ("走访征求群众对网格工作的意见建议。", "收集意见{m}条，已汇总报网格党支部。"),
    ],
    "帮扶": [
        ("帮助高龄老人到镇卫生院取药、代缴电费。", "药和缴费凭据已送到老人家中。"),
        ("农忙时帮助缺劳力家庭抢收抢种。", "半天收完{m}亩。"),
        ("为留守儿童辅导作业，检查暑假作业完成情况。", "辅导{m}次，孩子作业按时完成。"),
        ("帮助联系收购商，销售滞销的西瓜和蔬菜。", "售出{n}0斤，增收约{m}00元。"),
        ("陪同到村便民服务中心申请临时救助。", "申请材料已受理。"),
    ],
    "监督": [
        ("检查环境卫生，督促农户清理房前屋后堆放的柴草杂物。", "已清理{m}户，其余约定三天内清理。"),
        ("巡查河道，发现漂浮垃圾，联系保洁员清理。", "河面已清理干净。"),
        ("发现有人在承包地上私自搭建简易棚，上前劝阻并报告村委会。", "已停止搭建，村委会跟进处理。"),
        ("检查路灯和垃圾桶摆放情况，登记损坏的路灯。", "登记损坏路灯{m}盏，已报村里更换。"),
        ("督促沿街农户落实门前三包，清理乱堆乱放。", "整改{m}处。"),
    ],
    "其他": [
        ("参加网格党支部主题党日活动，学习岗位职责和业务知识。", ""),
        ("参加村里组织的防汛值班，夜间巡查圩堤。", "水位正常，未发现险情。"),
        ("协助村里开展医保参保信息核对。", "核对{n}户，更正信息{m}条。"),
        ("协助做好疫苗接种通知和老人接送。", "通知{n}户，接送老人{m}名。"),
    ],
}
RETURN_REASONS = [
    "服务对象没有写清楚，请补充走访的是哪几户。",
    "日期与网格巡逻安排对不上，请核对后重新提交。",
    "结果写得太笼统，请写明问题解决了没有。",
]

# --- residents' requests ----------------------------------------------------------------------------------------

# (kind, what the resident wrote) for each category.
ASKS = {
    NeedCategory.APPEARANCE: [
        (RequestKind.PROBLEM, "我家门口的路灯坏了快一个月了，晚上出门看不见路。"),
        (RequestKind.PROBLEM, "{group}组河沟里垃圾很多，天一热就有味道，希望清理一下。"),
        (RequestKind.PROBLEM, "村道边有人倒建筑垃圾，占了半边路，希望管一管。"),
    ],
    NeedCategory.SECURITY: [
        (RequestKind.PROBLEM, "最近晚上总有陌生车辆在{group}组转悠，心里不踏实。"),
        (RequestKind.PROBLEM, "池塘边的护栏坏了，小孩经常在那里玩，太危险了。"),
        (RequestKind.HELP, "家里电线老化，插座一用就发烫，想请人帮忙看看。"),
    ],
    NeedCategory.ELDERLY_YOUTH: [
        (RequestKind.HELP, "我母亲一个人在家，腿脚不方便，想请人帮忙去镇上取药。"),
        (RequestKind.HELP, "孩子放学后没人辅导作业，希望有人帮帮忙。"),
        (RequestKind.HELP, "邻居老人好几天没出门了，子女都在外地，麻烦去看看。"),
        (RequestKind.WISH, "想学用智能手机和在外地的孙子视频通话。"),
        (RequestKind.WISH, "孩子想要一套课外书。"),
    ],
    NeedCategory.POLICY_LAW: [
        (RequestKind.HELP, "想了解今年医保怎么交，手机上不会操作。"),
        (RequestKind.HELP, "土地流转合同有几条看不懂，想请人帮忙看看。"),
        (RequestKind.HELP, "想问问危房改造补助怎么申请，要准备哪些材料。"),
    ],
    NeedCategory.DISPUTES: [
        (RequestKind.PROBLEM, "和邻居因为宅基地边界吵了好几次，希望有人来调解。"),
        (RequestKind.PROBLEM, "邻居家的鸡鸭总跑到我家菜地里，说了也不听。"),
        (RequestKind.HELP, "兄弟几个为老人的赡养费闹矛盾，希望有人出面说和。"),
    ],
    NeedCategory.NEIGHBOURHOOD: [
        (RequestKind.PROBLEM, "邻居装修把排水沟堵了，一下雨水就流到我家院子里。"),
        (RequestKind.HELP, "家里就我一个人，农忙时麦子收不过来，希望有人搭把手。"),
    ],
    NeedCategory.OTHER: [
        (RequestKind.HELP, "家里种的西瓜卖不出去，希望帮忙联系收购。"),
        (RequestKind.WISH, "村里没有健身器材，老人想锻炼没地方。"),
    ],
}
# (what the member did, the result) for a request of each category: the ledger entry that finishes it.
ANSWERS = {
    NeedCategory.APPEARANCE: ("到现场查看，联系村电工和保洁员处理。", "已处理完毕，拍照回复群众。"),
    NeedCategory.SECURITY: ("到现场查看，报告村治保会，协助排除隐患。", "隐患已排除，告知群众注意安全。"),
    NeedCategory.ELDERLY_YOUTH: ("上门了解情况，按群众所需帮办。", "已办妥，老人和家属表示感谢。"),
    NeedCategory.POLICY_LAW: ("上门讲解政策，手把手指导办理。", "群众已弄清楚并办理完成。"),
    NeedCategory.DISPUTES: ("上门分别听取双方意见，会同调解员调解。", "双方达成一致，矛盾化解。"),
    NeedCategory.NEIGHBOURHOOD: ("上门协调，召集相邻几户商量解决办法。", "已协调解决，邻里关系缓和。"),
    NeedCategory.OTHER: ("帮助联系有关单位和人员。", "已联系落实，回复群众。"),
}
KIND_FOR_CATEGORY = {
    NeedCategory.APPEARANCE: "监督",
    NeedCategory.SECURITY: "巡逻",
    NeedCategory.ELDERLY_YOUTH: "帮扶",
    NeedCategory.POLICY_LAW: "宣传",
    NeedCategory.DISPUTES: "调解",
    NeedCategory.NEIGHBOURHOOD: "调解",
    NeedCategory.OTHER: "其他",
}
COMMENTS = {
    Satisfaction.SATISFIED: [
        "党员同志很热心，第二天就来帮忙了，谢谢！",
        "办得又快又好，给党员点赞。",
        "感谢村里和党员的帮助。",
    ],
    Satisfaction.FAIRLY: ["问题解决了，就是等的时间有点长。", "基本解决了，希望以后多来看看。"],
    Satisfaction.UNSATISFIED: ["来看过一次，问题还没有彻底解决。", "说是办好了，过几天又是老样子。"],
}
HAND_BACK_REASONS = ["本人近期外出务工，不能按时办理，请支部改派。", "诉求涉及土地确权，超出本岗位职责，请支部改派。"]
CALLED = ["大爷", "奶奶", "阿姨", "大哥", "先生", "女士", "师傅"]


def aware(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def set_times(rows, field, source):
    """Give rows just bulk-created their moment on the timeline (`field` is auto_now or auto_now_add, which
    bulk_create stamps with now): an UPDATE by primary key for each, sent together."""
    if not rows:
        return
    model = type(rows[0])
    for row in rows:
        setattr(row, field, getattr(row, source))
    qn = connection.ops.quote_name
    table, column, pk = model._meta.db_table, model._meta.get_field(field).column, model._meta.pk.column
    sql = f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE {qn(pk)} = %s"
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(adapt(getattr(row, field)), row.pk) for row in rows])


class YearOnPost:
    """One village's year: `served` is {status: last day} for members who have left their post (a closed round's
    completed and adjusted members); those still on post served until today."""

    def __init__(self, round, today, served, showcase=False):
        self.round, self.today, self.served, self.showcase = round, today, served, showcase
        self.village = round.village
        self.rng = random.Random(f"year-on-post:{self.village.name}")
        self.now = timezone.now()
        self.terms = DutyTerms.for_town(self.village.town_id)
        self.records, self.requests, self.steps, self.request_versions, self.reports = [], [], [], [], []
        self.kinds = {}

    # --- helpers ------------------------------------------------------------------------------------------------

    def clamp(self, when):
        """A moment on the timeline, never later than a minute ago."""
        return min(when, self.now - datetime.timedelta(minutes=1))

    def words(self, grid):
        rng = self.rng
        surname = rng.choice(SURNAMES)
        return {
            "village": self.village.name,
            "group": grid.number * 2 - rng.randint(0, 1),
            "family": f"{surname}家",
            "elder": f"独居老人{rng.choice(SURNAMES)}{rng.choice(['大爷', '奶奶'])}",
            "n": rng.randint(5, 30),
            "m": rng.randint(1, 5),
        }

    def kinds_for(self, category):
        if category not in self.kinds:
            kinds = DutyKind.for_post(self.village.town_id, category)
            related = RELATED_KINDS.get(category, [])

            def weight(kind):
                if kind.need_category and kind.need_category == category or kind.name in related:
                    return 6
                return 1.5 if kind.name in COMMON_KINDS else 0.7 if kind.name == "其他" else 0.3

            self.kinds[category] = (kinds, [weight(k) for k in kinds])
        return self.kinds[category]

    def kind_named(self, name):
        kinds, _ = self.kinds_for("")
        return next(k for k in kinds if k.name == name)

    # --- the members and their accounts -----------------------------------------------------------------------

    def build(self):
        statuses = [Status.ON_POST, *self.served]
        self.assignments = list(
            self.round.assignments.filter(status__in=statuses)
            .select_related("member", "contact", "post__post_type", "post__grid__secretary")
            .order_by("post__grid__number", "pk")
        )
        if not self.assignments:
            return
        self.users = self.accounts()
        self.plan_windows()
        for a in self.assignments:
            self.ledger(a)
        self.residents_requests()
        self.save_records()
        self.save_requests()
        self.quarterly_reports()
        if self.showcase:
            self.photos()
        grids = {a.post.grid_id for a in self.assignments}
        figures.changed(Grid, grids, "village__town_id")

    def accounts(self):
        """Every member on post, and every contact, was given a slip at the start of the year and has long
        replaced its PIN (a password the demo does not know; seed_demo prints fresh PINs for a few of them)."""
        people = {}
        for a in self.assignments:
            people.setdefault(a.member_id, (a.member, a.post.grid.secretary, a.letter_signed_on))
            if a.contact_id:
                people.setdefault(a.contact_id, (a.contact, a.post.grid.secretary, a.letter_signed_on + 10 * DAY))
        have = dict(MemberAccount.objects.filter(member__in=people).values_list("member_id", "user_id"))
        User = get_user_model()
        taken = set(User.objects.filter(username__startswith=CODE_PREFIX).values_list("username", flat=True))
        new_users, new_accounts = [], []
        for member_id, (member, by, issued) in people.items():
            if member_id in have:
                continue
            code = None
            while code is None or code in taken:
                code = CODE_PREFIX + "".join(self.rng.choice(SLIP_ALPHABET) for _ in range(6))
            taken.add(code)
            user = User(username=code, first_name=member.name[:150], password=make_password(None), is_active=True)
            new_users.append(user)
            new_accounts.append(MemberAccount(member=member, user=user, must_change=False, issued_by=by))
            new_accounts[-1].issued_on = issued
        User.objects.bulk_create(new_users)
        MemberAccount.objects.bulk_create(new_accounts)
        for account in new_accounts:
            account.issued = aware(account.issued_on, 10)
        set_times(new_accounts, "issued_at", "issued")
        for account in new_accounts:
            account._history_date, account._history_user = account.issued_at, account.issued_by
        MemberAccount.history.bulk_history_create(new_accounts)
        Through = self.village.town.accounts.through
        Through.objects.bulk_create(
            [Through(town_id=self.village.town_id, user_id=u.pk) for u in new_users], ignore_conflicts=True
        )
        have.update({a.member_id: a.user_id for a in new_accounts})
        users = User.objects.in_bulk(have.values())
        return {member_id: users[user_id] for member_id, user_id in have.items()}

    def plan_windows(self):
        """Each member's days on post; a couple stopped recording a month or more ago (漏记), a few had a month's
        break in the summer (ill, or away at harvest)."""
        for a in self.assignments:
            a.start = a.letter_signed_on
            a.end = self.served.get(a.status, self.today)
            a.gap = None
        on_post = [a for a in self.assignments if a.status == Status.ON_POST]
        if on_post:  # the first few are the demo's logins: the one who went quiet is someone else
            idle = self.rng.choice(on_post[LOGINS:] or on_post)
            idle.end = self.today - self.rng.randint(36, 50) * DAY
        for a in self.rng.sample(self.assignments, min(2, len(self.assignments))):
            if (a.end - a.start).days > 150:
                first = a.start + self.rng.randint(40, (a.end - a.start).days - 80) * DAY
                a.gap = (first, first + self.rng.randint(32, 45) * DAY)

    # --- the ledger ---------------------------------------------------------------------------------------------

    def ledger(self, a):
        """1–4 entries a month, fewer in a part month, at least one on post."""
        rng = self.rng
        month = a.start.replace(day=1)
        days = []
        while month <= a.end:
            following = (month + 32 * DAY).replace(day=1)
            first, last = max(month, a.start), min(following - DAY, a.end)
            span = [
                first + i * DAY
                for i in range((last - first).days + 1)
                if not (a.gap and a.gap[0] <= first + i * DAY <= a.gap[1])
            ]
            count = round(rng.choices([1, 2, 3, 4], [3, 4, 2, 1])[0] * len(span) / 30 + rng.random() * 0.5)
            days += rng.sample(span, min(count, len(span)))
            month = following
        if not days:
            days = [a.end]
        # Someone still recording has an entry in the last three weeks whatever day of the month the demo is
        # loaded on (a month's first entry may fall on its 1st): only the one chosen above goes quiet (漏记).
        recent = max(a.start, self.today - 20 * DAY)
        if a.end == self.today and max(days) < recent:
            days.append(recent + rng.randint(0, (self.today - recent).days) * DAY)
        a.records = []
        for day in sorted(days):
            kinds, weights = self.kinds_for(a.post.post_type.need_category)
            kind = rng.choices(kinds, weights)[0]
            content, result = rng.choice(WORK[kind.name])
            self.record(a, day, kind, content, result)

    def record(self, a, day, kind, content, result, at=None):
        rng, grid = self.rng, a.post.grid
        words = self.words(grid)
        if kind.name == "调解" and not content.startswith("办理"):
            content = "{family}" + content
        old = (self.today - a.member.birth_date).days > 75 * 365 or a.member.health == "poor"
        on_behalf = rng.random() < (0.4 if old else 0.1)
        recorded_by = grid.secretary if on_behalf else self.users[a.member_id]
        created = at or aware(day + rng.choice([0, 0, 0, 1, 2]) * DAY, rng.randint(8, 21), rng.randint(0, 59))
        record = DutyRecord(
            assignment=a,
            done_on=day,
            kind=kind,
            place=rng.choice(PLACES[kind.name]).format(**words),
            served=rng.choice(SERVED[kind.name]).format(**words),
            content=content.format(**words),
            result=result.format(**words),
            recorded_by=recorded_by,
            on_behalf=on_behalf,
            state=DutyState.VERIFIED,
        )
        record.created = created = self.clamp(created)
        contact = self.users.get(a.contact_id)
        checker = contact if contact and (on_behalf or rng.random() < 0.6) else grid.secretary
        if checker == recorded_by:
            checker = self.village.secretary
        age = (self.today - day).days
        waiting = a.status == Status.ON_POST and rng.random() < (0.7 if age <= 7 else 0.05 if age <= 30 else 0)
        if not waiting:
            record.checked_by = checker
            record.checked_at = self.clamp(created + rng.randint(3, 120) * HOUR)
        else:
            record.state = DutyState.RECORDED
        self.records.append(record)
        a.records.append(record)
        return record

    def save_records(self):
        """Write the entries, one or two sent back for more detail, with their first version (as recorded) and
        their check (as verified or returned) in the history."""
        checkable = [
            r
            for r in self.records
            if r.assignment.status == Status.ON_POST and r.checked_at and 5 <= (self.today - r.done_on).days <= 40
        ]
        checkable = [r for r in checkable if not getattr(r, "for_request", False)]
        if self.showcase and checkable:  # one for the first demo login to amend, one for someone else
            first = [r for r in checkable if r.assignment is self.assignments[0]][-1:]
            others = [r for r in checkable if r.assignment is not self.assignments[0]]
            for r in first + self.rng.sample(others, min(1, len(others))):
                r.state, r.return_reason = DutyState.RETURNED, self.rng.choice(RETURN_REASONS)
        DutyRecord.objects.bulk_create(self.records, batch_size=500)
        set_times(self.records, "created_at", "created")
        first = []
        for r in self.records:
            v = copy.copy(r)
            v.state, v.return_reason, v.checked_by_id, v.checked_at = DutyState.RECORDED, "", None, None
            v._history_date, v._history_user = r.created_at, r.recorded_by
            first.append(v)
            if r.checked_at:
                r._history_date, r._history_user = r.checked_at, r.checked_by
        DutyRecord.history.bulk_history_create(first, batch_size=500)
        DutyRecord.history.bulk_history_create([r for r in self.records if r.checked_at], update=True, batch_size=500)

    # --- residents' requests ------------------------------------------------------------------------------------

    def residents_requests(self):
        """A few finished requests a grid through the year (rated or closed unrated); in a village at 严格评岗,
        some open now: new (one past the days to take it), dispatched, taken, done and waiting for the rating,
        and one a member handed back that went to someone else."""
        rng = self.rng
        self.codes = set(ResidentRequest.objects.values_list("code", flat=True))
        by_grid = {}
        for a in self.assignments:
            by_grid.setdefault(a.post.grid, []).append(a)
        for grid, rows in by_grid.items():
            first, last = min(a.start for a in rows) + 5 * DAY, max(a.end for a in rows) - 16 * DAY
            for _ in range(rng.randint(3, 7) if (last - first).days > 30 else 0):
                day = first + rng.randint(0, (last - first).days) * DAY
                self.finished_request(grid, rows, aware(day, rng.randint(7, 20), rng.randint(0, 59)))
        if self.round.stage != "evaluation":
            return
        grids = list(by_grid)
        if self.showcase:  # the demo grid secretary's first grid shows one of each
            grid = grids[0]
            for state in ["new_overdue", "new", "dispatched", "taken", "done", "handed_back"]:
                self.open_request(grid, by_grid[grid], state)
        for state in ["new_overdue", "new", "dispatched", "taken", "taken", "done", "done"]:
            grid = rng.choice(grids)
            self.open_request(grid, by_grid[grid], state)

    def new_request(self, grid, created):
        rng = self.rng
        category = rng.choice(list(ASKS))
        kind, content = rng.choice(ASKS[category])
        code = None
        while code is None or code in self.codes:
            code = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        self.codes.add(code)
        named = rng.random() < 0.7
        request = ResidentRequest(
            grid=grid,
            code=code,
            kind=kind,
            category=category,
            content=content.format(group=grid.number * 2 - rng.randint(0, 1)),
            name=f"{rng.choice(SURNAMES)}{rng.choice(CALLED)}" if named else "",
            phone=f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}" if named and rng.random() < 0.6 else "",
            state=RequestState.NEW,
        )
        request.created = created
        self.requests.append(request)
        self.step(request, StepAction.SUBMIT, created, None)
        return request

    def step(self, request, action, at, by, note="", **fields):
        """One move, as ResidentRequest's moves make it: the fields, the step and a version in the history."""
        for name, value in fields.items():
            setattr(request, name, value)
        self.steps.append(RequestStep(request=request, action=action, by=by, note=note[:200]))
        self.steps[-1].when = at
        keep = ["state", "with_member_at", "done_at", "satisfaction", "comment", "comment_public", "finished_at"]
        version = {name: getattr(request, name) for name in keep}
        version["assignment"], version["record"] = request.assignment, request.record
        self.request_versions.append((request, version, at, by))

    def member_for(self, rows, category, when, until):
        """A member on post in the grid from `when` until `until` (not quiet then), the post's own kind first."""
        day = timezone.localtime(when).date()
        active = [
            a
            for a in rows
            if a.start <= day and until <= a.end and not (a.gap and a.gap[0] - 8 * DAY <= day <= a.gap[1])
        ]
        fitting = [a for a in active if a.post.post_type.need_category == category]
        return self.rng.choice(fitting or active) if active else None

    def to_member(self, request, a, at, dispatched):
        """支部派单 then 党员接单, or the member took it from the grid's list."""
        rng = self.rng
        secretary = request.grid.secretary
        fields = {"state": RequestState.TAKEN, "assignment": a}
        if dispatched:
            dispatch = {"state": RequestState.DISPATCHED, "assignment": a, "with_member_at": at}
            self.step(request, StepAction.DISPATCH, at, secretary, note=a.member.name, **dispatch)
            at = at + rng.randint(1, 12) * HOUR
        else:
            fields["with_member_at"] = at
        self.step(request, StepAction.TAKE, at, self.users[a.member_id], **fields)
        return at

    def complete(self, request, a, at):
        answer, result = ANSWERS[request.category]
        kind = self.kind_named(KIND_FOR_CATEGORY[request.category])
        record = self.record(
            a, timezone.localtime(at).date(), kind, f"办理群众点单（查询码{request.code}）：{answer}", result, at=at
        )
        record.for_request = True
        self.step(
            request, StepAction.COMPLETE, at, record.recorded_by, state=RequestState.DONE, record=record, done_at=at
        )

    def finished_request(self, grid, rows, created):
        rng = self.rng
        request = self.new_request(grid, created)
        a = self.member_for(rows, request.category, created, timezone.localtime(created).date() + 8 * DAY)
        if a is None:
            self.requests.remove(request)
            self.steps = [s for s in self.steps if s.request is not request]
            self.request_versions = [v for v in self.request_versions if v[0] is not request]
            return
        at = self.to_member(request, a, created + rng.randint(1, 30) * HOUR, rng.random() < 0.6)
        done = at + rng.randint(6, 120) * HOUR
        self.complete(request, a, done)
        if rng.random() < 0.78:
            satisfaction = rng.choices(Satisfaction.values, [70, 22, 8])[0]
            comment = rng.choice(COMMENTS[satisfaction]) if rng.random() < 0.6 else ""
            rated = done + rng.randint(2, 96) * HOUR
            fields = {"state": RequestState.CONFIRMED, "satisfaction": satisfaction, "comment": comment}
            self.step(
                request, StepAction.RATE, rated, None, Satisfaction(satisfaction).label, finished_at=rated, **fields
            )
            if comment and satisfaction == Satisfaction.SATISFIED and rng.random() < 0.15:
                self.approve(request, rated + rng.randint(2, 30) * HOUR)
        else:
            days = self.terms.confirm_days
            closed = done + days * DAY + rng.randint(1, 5) * HOUR
            fields = {"state": RequestState.CLOSED, "finished_at": closed}
            self.step(request, StepAction.CLOSE, closed, None, f"{days}天内未评价", **fields)

    def approve(self, request, at):
        """The grid secretary lets the comment show on the public page: a version, not a step."""
        request.comment_public = True
        version = {**self.request_versions[-1][1], "comment_public": True}
        self.request_versions.append((request, version, at, request.grid.secretary))

    def open_request(self, grid, rows, state):
        rng, now = self.rng, self.now
        hours = {
            "new_overdue": (60, 140),
            "new": (2, 30),
            "dispatched": (30, 90),
            "taken": (40, 120),
            "done": (60, 140),
            "handed_back": (90, 130),
        }[state]
        created = now - rng.randint(*hours) * HOUR
        request = self.new_request(grid, created)
        if state.startswith("new"):
            return
        a = self.member_for(rows, request.category, created, self.today)
        if a is None:
            return
        if state == "handed_back":
            first = self.member_for([r for r in rows if r is not a], request.category, created, self.today)
            if first is not None:
                at = created + rng.randint(2, 8) * HOUR
                fields = {"state": RequestState.DISPATCHED, "assignment": first, "with_member_at": at}
                self.step(request, StepAction.DISPATCH, at, grid.secretary, note=first.member.name, **fields)
                at += rng.randint(10, 30) * HOUR
                fields = {"state": RequestState.NEW, "assignment": None, "with_member_at": None}
                reason = rng.choice(HAND_BACK_REASONS)
                self.step(request, StepAction.HAND_BACK, at, self.users[first.member_id], reason, **fields)
                created = at
            at = created + rng.randint(2, 10) * HOUR
            fields = {"state": RequestState.DISPATCHED, "assignment": a, "with_member_at": at}
            self.step(request, StepAction.DISPATCH, at, grid.secretary, note=a.member.name, **fields)
            return
        if state == "dispatched":
            at = created + rng.randint(3, 20) * HOUR
            fields = {"state": RequestState.DISPATCHED, "assignment": a, "with_member_at": at}
            self.step(request, StepAction.DISPATCH, at, grid.secretary, note=a.member.name, **fields)
            return
        at = self.to_member(request, a, created + rng.randint(2, 20) * HOUR, rng.random() < 0.5)
        if state == "done":
            self.complete(request, a, self.clamp(at + rng.randint(20, 60) * HOUR))

    def save_requests(self):
        for r in self.requests:
            r.record_id = r.record.pk if r.record else None
        ResidentRequest.objects.bulk_create(self.requests, batch_size=500)
        set_times(self.requests, "created_at", "created")
        RequestStep.objects.bulk_create(self.steps, batch_size=500)
        set_times(self.steps, "at", "when")
        first, changes, seen = [], [], set()
        for request, version, at, by in self.request_versions:
            v = copy.copy(request)
            for name, value in version.items():
                if name in ("assignment", "record"):
                    setattr(v, f"{name}_id", value.pk if value else None)
                else:
                    setattr(v, name, value)
            v._history_date, v._history_user = at, by
            (changes if request.pk in seen else first).append(v)
            seen.add(request.pk)
        ResidentRequest.history.bulk_history_create(first, batch_size=500)
        ResidentRequest.history.bulk_history_create(changes, update=True, batch_size=500)

    # --- reports and photos -------------------------------------------------------------------------------------

    def quarterly_reports(self):
        """定期汇报 for each report period a member served most of and which has ended: to the grid's branch (or the
        residents' representatives), heard at a meeting a few days later; some handed in on paper and typed in by
        the secretary."""
        rng = self.rng
        for a in self.assignments:
            day = a.start
            while True:
                start, end, name = self.terms.period_of(day)
                reported = end + rng.randint(3, 15) * DAY
                if end >= self.today or reported > self.today or start > a.end:
                    break
                served = (min(end, a.end) - max(start, a.start)).days
                day = end + DAY
                if served < 25:
                    continue
                entries = [r for r in a.records if start <= r.done_on <= end]
                on_paper = rng.random() < 0.25
                heard = reported + rng.randint(0, 6) * DAY
                grid = a.post.grid
                audience = Audience.BRANCH if rng.random() < 0.7 else Audience.REPRESENTATIVES
                meeting = "党支部会议" if audience == Audience.BRANCH else "群众代表会议"
                report = WorkReport(
                    assignment=a,
                    reported_on=reported,
                    audience=audience,
                    content=report_text(name, entries, rng),
                    period_start=start,
                    period_end=end,
                    period_name=name,
                    heard_on=heard if heard <= self.today else None,
                    heard_by=f"{grid.name}{meeting}，到会{rng.randint(8, 20)}人。" if heard <= self.today else "",
                    on_paper=on_paper,
                    recorded_by=grid.secretary if on_paper else self.users[a.member_id],
                )
                report._history_date, report._history_user = aware(reported, 16), report.recorded_by
                self.reports.append(report)
        WorkReport.objects.bulk_create(self.reports, batch_size=500)
        WorkReport.history.bulk_history_create(self.reports, batch_size=500)

    def photos(self, count=6):
        """A handful of small pictures on recent entries of the first grid, through the photo field as a phone's
        upload is stored."""
        grid = self.assignments[0].post.grid_id
        recent = [
            r
            for r in self.records
            if r.assignment.post.grid_id == grid and r.state == DutyState.VERIFIED and r.kind.name != "其他"
        ]
        for r in recent[-count:]:
            image = Image.new("RGB", (480, 360), (150 + self.rng.randint(0, 60), 190, 225))
            draw = ImageDraw.Draw(image)
            draw.rectangle([0, 230, 480, 360], fill=(90, 140 + self.rng.randint(0, 40), 70))
            x = self.rng.randint(40, 300)
            draw.rectangle([x, 150, x + 120, 240], fill=(235, 230, 215))
            draw.polygon([(x - 10, 150), (x + 60, 100), (x + 130, 150)], fill=(120, 60, 50))
            draw.ellipse([x + 160, 170, x + 190, 200], fill=(200, 40, 40))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=70)
            DutyPhoto(record=r, image=ContentFile(out.getvalue(), name="photo.jpg")).save()


def report_text(period, entries, rng):
    counts = {}
    for r in entries:
        counts[r.kind.name] = counts.get(r.kind.name, 0) + 1
    requests = sum(1 for r in entries if getattr(r, "for_request", False))
    done = "、".join(f"{name}{n}次" for name, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    text = f"{period}，本人按照岗位职责开展工作，记录履职纪实{len(entries)}条"
    text += f"，其中{done}" if done else ""
    text += f"；办理群众点单{requests}件。" if requests else "。"
    text += rng.choice(
        [
            "存在的不足：入户走访还不够多，下一步增加走访次数，多听群众意见。",
            "下一步将继续做好本岗位工作，及时向支部反映群众困难。",
            "群众反映的问题大多已解决，个别问题已报村里协调。",
        ]
    )
    return text


# --- the demo's member logins ---------------------------------------------------------------------------------


def demo_logins(village):
    """Fresh sign-ins (code, PIN) for the first few members on post in `village`, as the secretary hands out
    slips: [(assignment, code, PIN or None when the member has set their own)]."""
    from .models import Assignment

    rows = (
        Assignment.objects.filter(round__village=village, status=Status.ON_POST)
        .select_related("member__grid__village__town", "post__grid__secretary")
        .order_by("post__grid__number", "pk")[:LOGINS]
    )
    logins = []
    for a in rows:
        account = MemberAccount.objects.filter(member=a.member).select_related("user").first()
        if account and not account.must_change and account.user.has_usable_password():
            logins.append((a, account.user.username, None))  # the member has replaced the printed PIN
            continue
        account, pin = issue_access(a.member, by=a.post.grid.secretary)
        logins.append((a, account.user.username, pin))
    return logins
