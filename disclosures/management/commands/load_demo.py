import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from disclosures.importing.loader import ImportFailed, document_import, read_source
from disclosures.models import SourceDocument

SEEDS = Path(settings.BASE_DIR) / "seeds"


class Command(BaseCommand):
    help = "导入 seeds/ 中的五份公开原文作为演示数据（已导入的跳过），并创建/重置演示管理员 admin。"

    def handle(self, *args, **options):
        imported = set(SourceDocument.objects.values_list("file_name", flat=True))
        for path in sorted(SEEDS.glob("*.txt")):
            if path.name in imported:
                self.stdout.write(f"{path.name}：已导入，跳过")
                continue
            try:
                report = document_import(text=read_source(path), file_name=path.name, publish=True)
            except ImportFailed as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(report.summary().splitlines()[0] + "  " + report.summary().splitlines()[1].strip())
        password = secrets.token_urlsafe(12)
        user, created = get_user_model().objects.get_or_create(username="admin", defaults={"is_staff": True})
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(self.style.SUCCESS(f"演示管理员：用户名 admin  密码 {password}"))
