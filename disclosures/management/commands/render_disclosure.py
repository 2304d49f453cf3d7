from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from disclosures.models import Disclosure
from disclosures.pdf import render_disclosure_pdf, render_document_html


class Command(BaseCommand):
    help = "把一份公开渲染为PDF或HTML文件（--review 为带“仅供内部审核”水印的审核版）。"

    def add_arguments(self, parser):
        parser.add_argument("--id", type=int, required=True)
        parser.add_argument("--format", choices=["pdf", "html"], default="pdf")
        parser.add_argument("--review", action="store_true")
        parser.add_argument("-o", "--output", type=Path, required=True)

    def handle(self, *args, **options):
        try:
            disclosure = Disclosure.objects.with_unit().get(pk=options["id"])
        except Disclosure.DoesNotExist as exc:
            raise CommandError(f"没有编号为{options['id']}的公开") from exc
        viewer = "命令行批量生成" if options["review"] else ""
        if options["format"] == "pdf":
            options["output"].write_bytes(render_disclosure_pdf(disclosure, review=options["review"], viewer=viewer))
        else:
            html = render_document_html(disclosure, review=options["review"], viewer=viewer, standalone=True)
            options["output"].write_text(html, encoding="utf-8")
        self.stdout.write(f"{disclosure}（{'审核版' if options['review'] else '公开版'}）→ {options['output']}")
