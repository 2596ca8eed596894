from django.core.management.base import BaseCommand, CommandError

from grids.backup import COUNTED, BackupError, restore


class Command(BaseCommand):
    help = "把 make backup 生成的备份恢复到一个空数据库（默认为本系统的数据库），并核对记录数。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件（.tar.gz）")
        parser.add_argument("--database-url", help="恢复到这个数据库，而不是 DATABASE_URL 指向的那个")

    def handle(self, *args, file, database_url, **options):
        try:
            found = restore(file, database_url)
        except (BackupError, FileNotFoundError) as error:
            raise CommandError(str(error)) from None
        summary = "，".join(f"{COUNTED[table]}{n}条" for table, n in found.items())
        self.stdout.write(self.style.SUCCESS(f"已恢复，记录数与备份时一致：{summary}。"))
