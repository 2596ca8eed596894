from django.core.management.base import BaseCommand

from members.demo import DEMO_PASSWORD, seed_demo
from posts.demo import seed_rounds


class Command(BaseCommand):
    help = "建立金城镇演示数据（约17个村、每村约9个网格、每村约50名党员，各村处于设岗定责的不同阶段）；可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", choices=["town", "county"], default="town", help="county：另建11个镇，约1万名党员，用于性能测试"
        )

    def handle(self, *args, scale, **options):
        for town, created in seed_demo(scale=scale):
            state = "已建立" if created else "已存在，未改动"
            self.stdout.write(f"{town.name}：{state}（{town.villages.count()}个村）")
        rounds = seed_rounds()
        if rounds:
            self.stdout.write(f"已为{rounds}个村建立本年度设岗定责工作，分别处于五个步骤的不同阶段。")
        self.stdout.write(self.style.SUCCESS(f"演示账号（密码均为 {DEMO_PASSWORD}）："))
        self.stdout.write("  镇党委        zhen")
        self.stdout.write("  村党总支书记  cun01（金城村）")
        self.stdout.write("  网格支部书记  wg0101（金城村第一网格）")
