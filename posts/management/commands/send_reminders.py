import datetime

from django.core.management.base import BaseCommand, CommandError

from posts.services import send_reminders


class Command(BaseCommand):
    help = (
        "发送到期提醒（公示明天期满、申报即将截止、阶段超期、评岗缺项、不称职待调整）；"
        "每天运行一次，重复运行不会重复发送。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按这一天计算（YYYY-MM-DD），默认今天")

    def handle(self, *args, date=None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{date}") from None
        sent = send_reminders(today)
        self.stdout.write(f"已发送{sent}条提醒。")
