import json

from django.core.management.base import BaseCommand, CommandError

from disclosures.exports import export_json
from disclosures.models import Disclosure


class Command(BaseCommand):
    help = "以JSON输出全部（或指定）预决算公开的各张公开表、文字部分和绩效表；另含不属于公开的绩效目标表。"

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument("--id", type=int, help="只输出这一份公开（不含独立绩效表）")

    def handle(self, *args, **options):
        if options["id"] is not None:
            disclosures = Disclosure.objects.with_unit().filter(pk=options["id"])
            if not disclosures.exists():
                raise CommandError(f"没有编号为{options['id']}的公开")
            data = export_json(disclosures=disclosures, include_standalone=False)
        else:
            data = export_json()
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))
