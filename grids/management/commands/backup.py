from django.core.management.base import BaseCommand, CommandError

from grids.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份数据库和已印发的文件，写成一个带日期的 .tar.gz（默认放在 backups/ 目录）。"

    def add_arguments(self, parser):
        parser.add_argument("--dir", default="backups", help="备份文件存放目录")

    def handle(self, *args, dir, **options):
        try:
            path = backup(dir)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"已备份：{path}"))
