import os
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection

from grids.models import Village
from jinchen.security import demo_accounts_unchanged
from members.demo import DEMO_PASSWORD, HOME_TOWN, seed_demo
from posts.demo import seed_rounds
from posts.demo_points import seed_points
from posts.demo_year import demo_logins
from posts.models import PostType


class Command(BaseCommand):
    help = "建立金城镇演示数据（约17个村、每村约9个网格、每村约50名党员，各村处于设岗定责的不同阶段）；可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", choices=["town", "county"], default="town", help="county：另建11个镇，约1万名党员，用于性能测试"
        )
        parser.add_argument(
            "--private-password",
            metavar="FILE",
            help="生产模式演示用：演示账号不用公开的演示密码，改用随机生成的新密码，并写入这个文件",
        )

    def handle(self, *args, scale, private_password=None, **options):
        for town, created in seed_demo(scale=scale):
            PostType.add_suggested(town)  # each town keeps its own catalogue, starting from the plan's six
            state = "已建立" if created else "已存在，未改动"
            self.stdout.write(f"{town.name}：{state}（{town.villages.count()}个村）")
        refresh_statistics()
        rounds = seed_rounds()
        if rounds:
            self.stdout.write(f"已为{rounds}个村建立本年度设岗定责工作，分别处于五个步骤的不同阶段。")
        refresh_statistics()
        scored = seed_points()
        if scored:
            self.stdout.write(f"已为{scored}个村建立积分登记簿（已结束的村含年度星级评定）。")
        if private_password:  # its output goes into the server's log: the password stays in its 0600 file
            set_private_password(private_password)
            said = f"密码见 {private_password}，只有本机管理员可读"
        elif demo_accounts_unchanged():
            said = f"密码均为 {DEMO_PASSWORD}"
        else:  # a private password, or the administrator's own: the published one would not work
            said = "密码已修改，不是公开的演示密码"
        self.stdout.write(self.style.SUCCESS(f"演示账号（{said}）："))
        self.stdout.write("  镇党委        zhen")
        self.stdout.write("  村党总支书记  cun01（金城村）")
        self.stdout.write("  网格支部书记  wg0101（金城村第一网格）")
        self.member_logins(private_password)

    def member_logins(self, private_password):
        """Members on post in 金城村 sign in with the code and PIN on their slip (fresh each run until they set
        their own); under --private-password the PINs go to a file beside the password's, not into the log."""
        village = Village.objects.filter(town__name=HOME_TOWN).order_by("pk").first()
        logins = demo_logins(village) if village else []
        if not logins:
            return
        lines = []
        for a, code, pin in logins:
            who = f"{a.member.name}（{a.post.grid.name}{a.post.name}）"
            lines.append(f"  {code}  PIN {pin}  {who}" if pin else f"  {code}  PIN已由本人修改  {who}")
        heading = f"在岗党员手机签到（{village.name}，签到码或手机号 + PIN，首次登录须修改PIN）"
        if private_password:
            path = Path(f"{private_password}-members")
            write_private(path, "\n".join([heading, *lines]) + "\n")
            self.stdout.write(f"{heading}：签到码和PIN见 {path}，只有本机管理员可读")
            return
        self.stdout.write(f"{heading}：")
        for line in lines:
            self.stdout.write(line)


def refresh_statistics():
    """Have PostgreSQL count the rows just written. Its planner reads table statistics that autovacuum refreshes
    only a minute or so after a large write; the demo writes thousands of rows and reads them back at once, and a
    table the statistics still call empty gets nested loops over every row (minutes for one join)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def set_private_password(path):
    """Give demo accounts still on the published password a new random one (kept in `path`); return it."""
    path = Path(path)
    unchanged = demo_accounts_unchanged()
    if unchanged:
        password = f"jc{secrets.token_hex(4)}"
        get_user_model().objects.filter(username__in=unchanged).update(password=make_password(password))
        write_private(path, password + "\n")
    return path.read_text().strip() if path.exists() else "（已由管理员修改）"


def write_private(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    # A password file is for the administrator's eyes only: owner read/write, whatever the umask.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
