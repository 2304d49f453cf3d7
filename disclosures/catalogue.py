"""分类科目目录 — syncs the classification catalogues from fixtures/catalogue.json (idempotent)."""

import json
from pathlib import Path

CATALOGUE_FILE = Path(__file__).with_name("fixtures") / "catalogue.json"


def catalogue_sync(apps=None) -> dict[str, int]:
    """Create or update every catalogue row by its natural key; usable from a migration (pass ``apps``)."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    function_class = apps.get_model("disclosures", "FunctionClass")
    economic_class = apps.get_model("disclosures", "EconomicClass")
    entries = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    by_pk = {}
    counts = {"function": 0, "economic": 0}
    for entry in entries:  # government economic classes come first, so department rows can point at them
        fields = dict(entry["fields"])
        if entry["model"] == "disclosures.functionclass":
            function_class.objects.update_or_create(
                code=fields.pop("code"), since_year=fields.pop("since_year"), defaults=fields
            )
            counts["function"] += 1
        else:
            gov_pk = fields.pop("government_class")
            fields["government_class"] = by_pk[gov_pk] if gov_pk else None
            obj, _ = economic_class.objects.update_or_create(
                scheme=fields.pop("scheme"),
                code=fields.pop("code"),
                since_year=fields.pop("since_year"),
                defaults=fields,
            )
            by_pk[entry["pk"]] = obj
            counts["economic"] += 1
    return counts
