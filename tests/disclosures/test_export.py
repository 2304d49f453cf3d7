"""export_disclosures --format json: the documented shape, every disclosure and standalone form."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import seed_text
from tests.seedtables import amounts_in, projected_amounts, seed_table_amounts


def run_export(capsys, *args):
    call_command("export_disclosures", "--format", "json", *args)
    return json.loads(capsys.readouterr().out)


class TestExportCommand:
    def test_shape_and_standalone_forms(self, import_seed, capsys):
        budget = import_seed("001")
        import_seed("000")
        data = run_export(capsys)
        assert set(data) >= {"disclosures", "forms"} and data["version"] == 1
        (disclosure,) = data["disclosures"]
        assert {k: disclosure[k] for k in ("id", "fiscal_year", "kind", "unit_code", "department")} == {
            "id": budget.disclosure_id,
            "fiscal_year": 2026,
            "kind": "budget",
            "unit_code": "222001",
            "department": "晋城市应急管理局",
        }
        assert [t["label"] for t in disclosure["tables"]] == [
            "表一",
            "表二",
            "表三",
            "表四",
            "表五",
            "表六",
            "表七",
            "表八",
            "表九",
            "表十",
            "表十一",
            "表十二",
            "表十三",
        ]
        summary = disclosure["tables"][2]
        assert summary["title"] == "2026年预算支出总表" and summary["unit"] == "万元"
        assert summary["columns"][2]["header"] == ["2026年预算数", "合计"]
        assert summary["rows"][0] == {
            "kind": "total",
            "code": "",
            "cells": ["合计", "", "3306.81", "1071.45", "2235.36"],
        }
        assert disclosure["tables"][6]["empty"] and disclosure["tables"][6]["empty_note"] == "注：本表无数据"
        assert len(disclosure["forms"]) == 33 and len(data["forms"]) == 43
        form = next(f for f in disclosure["forms"] if f["project_name"] == "应急工作专项业务费")
        assert form["funds"]["annual"]["total"] == "1930000.00"
        assert form["indicators"][0]["parsed"] == {
            "operator": "",
            "number": "4",
            "unit": "次",
            "kind": "quantity",
            "flags": [],
        }
        assert disclosure["sections"][0]["heading"] == "一、本单位职责"

    def test_one_disclosure_and_every_table_number(self, import_seed, capsys):
        import_seed("001")
        final = import_seed("003")
        data = run_export(capsys, "--id", str(final.disclosure_id))
        assert [d["kind"] for d in data["disclosures"]] == ["final"] and data["forms"] == []
        found = sum((projected_amounts(t) for t in data["disclosures"][0]["tables"]), type(amounts_in([]))())
        assert seed_table_amounts(seed_text("003")) - found == type(found)()
        evaluation = data["disclosures"][0]["self_evaluations"][1]
        assert evaluation["funds"][0]["full_year_budget"] == "135.912"

    def test_unknown_id(self, db):
        with pytest.raises(CommandError):
            call_command("export_disclosures", "--id", "999999")
