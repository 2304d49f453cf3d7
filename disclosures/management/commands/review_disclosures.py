import json

from django.core.management.base import BaseCommand, CommandError

from disclosures.checks import run_checks, run_evaluation_checks, run_form_checks
from disclosures.models import Disclosure
from performance.models import Indicator, IndicatorResult, SelfEvaluation, TargetForm


class Command(BaseCommand):
    help = (
        "自动审核：对全部（或指定）预决算公开及其绩效表运行审核规则，以JSON输出每条审核结果"
        "（规则、级别、位置、说明、应为、实为）；不指定--id时另含不属于公开的绩效目标表和绩效自评表。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument("--id", type=int, help="只审核这一份公开（不含独立绩效表）")

    def handle(self, *args, **options):
        disclosures = Disclosure.objects.with_unit().order_by("pk")
        if options["id"] is not None:
            disclosures = disclosures.filter(pk=options["id"])
            if not disclosures.exists():
                raise CommandError(f"没有编号为{options['id']}的公开")
        data = {
            "disclosures": [
                {"id": d.pk, "title": str(d), "findings": [f.to_json() for f in run_checks(d)]} for d in disclosures
            ],
            "forms": [],
            "self_evaluations": [],
        }
        if options["id"] is None:
            from django.db.models import Prefetch

            forms = (
                TargetForm.objects.filter(disclosure__isnull=True)
                .select_related("project")
                .prefetch_related(
                    "funding", Prefetch("indicators", queryset=Indicator.objects.order_by("-period", "order"))
                )
                .order_by("fiscal_year", "department__code", "order", "pk")
            )
            data["forms"] = [
                {"id": f.pk, "project_name": f.project_name, "findings": [x.to_json() for x in run_form_checks(f)]}
                for f in forms
            ]
            evaluations = (
                SelfEvaluation.objects.filter(disclosure__isnull=True)
                .prefetch_related("funds", Prefetch("results", queryset=IndicatorResult.objects.order_by("order")))
                .order_by("fiscal_year", "order", "pk")
            )
            data["self_evaluations"] = [
                {
                    "id": e.pk,
                    "project_name": e.project_name,
                    "findings": [x.to_json() for x in run_evaluation_checks(e)],
                }
                for e in evaluations
            ]
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))
