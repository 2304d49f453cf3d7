from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from disclosures.importing.loader import ImportFailed, document_import, read_source


class Command(BaseCommand):
    help = "导入预决算公开/绩效目标表原文（文本文件），自动识别文件类型；任一文件失败则以非零状态退出。"

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--publish", action="store_true", help="导入后直接设为已公开（演示数据用）")

    def handle(self, *paths, **options):
        failures = 0
        for path in options["paths"]:
            if not path.is_file():
                self.stderr.write(f"{path}：文件不存在或不是普通文件")
                failures += 1
                continue
            try:
                report = document_import(text=read_source(path), file_name=path.name, publish=options["publish"])
            except ImportFailed as exc:
                self.stderr.write(exc.message)
                failures += 1
                continue
            self.stdout.write(report.summary())
        if failures:
            raise CommandError(f"{failures}个文件未能导入")
