from django.core.management.base import BaseCommand

from members.imports import delete_stale_uploads


class Command(BaseCommand):
    help = "删除超过 UPLOAD_KEEP_HOURS（默认24小时）仍未导入的上传文件（含完整身份证号）；每天运行一次，可重复运行。"

    def handle(self, *args, **options):
        self.stdout.write(f"已删除{delete_stale_uploads()}个过期的上传文件。")
