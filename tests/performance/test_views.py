import re
import shutil
import subprocess

import pytest

from disclosures.models import Department, Disclosure
from performance.models import TargetForm
from tests.pages import breadcrumbs


@pytest.fixture
def menyuan(import_seed):
    import_seed("004")
    return Department.objects.get(code="309")


class TestStandaloneForms:
    def test_list_page_shows_every_form(self, client, menyuan):
        response = client.get(f"/performance/departments/{menyuan.pk}/2023/forms/")
        assert response.status_code == 200
        html = response.content.decode()
        for form in TargetForm.objects.filter(department=menyuan):
            assert form.project_name in html
        assert "应急度汛安全经费" in html and "50.00" in html

    def test_unknown_year_is_404(self, client, menyuan):
        assert client.get(f"/performance/departments/{menyuan.pk}/1999/forms/").status_code == 404

    def test_forms_of_an_unpublished_disclosure_are_hidden(self, client, import_seed):
        report = import_seed("001")
        form = TargetForm.objects.filter(disclosure_id=report.disclosure_id).first()
        assert client.get(f"/performance/forms/{form.pk}/").status_code == 404

    @pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) not installed")
    def test_pdf_of_the_forms(self, client, menyuan, tmp_path):
        response = client.get(f"/performance/departments/{menyuan.pk}/2023/forms/pdf/")
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        path = tmp_path / "forms.pdf"
        path.write_bytes(response.content)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        for form in TargetForm.objects.filter(department=menyuan):
            assert form.project_name in text
        assert "第 2 页 共" in text


class TestFormDetail:
    """/performance/forms/<pk>/: an h1 naming the project and breadcrumbs back to where the form is published."""

    def test_form_of_a_disclosure(self, client, import_seed):
        report = import_seed("001", publish=True)
        disclosure = Disclosure.objects.select_related("unit").get(pk=report.disclosure_id)
        form = TargetForm.objects.get(disclosure=disclosure, project_name="应急工作专项业务费")
        html = client.get(f"/performance/forms/{form.pk}/").content.decode()
        assert "<h1>应急工作专项业务费<span" in html
        crumbs = breadcrumbs(html)
        assert crumbs == [
            ("/", "首页"),
            ("/disclosures/", "公开目录"),
            (f"/disclosures/{disclosure.pk}/", str(disclosure)),
            (None, "应急工作专项业务费"),
        ]
        assert 'aria-label="应急工作专项业务费 项目支出绩效目标表"' in html
        assert "2026-01-08 10:52:22" in html  # 填报日期 parsed, not the raw stamp

    def test_standalone_form(self, client, menyuan):
        form = TargetForm.objects.filter(department=menyuan).order_by("pk").first()
        html = client.get(f"/performance/forms/{form.pk}/").content.decode()
        assert f"<h1>{form.project_name}<span" in html
        assert breadcrumbs(html)[2] == (
            f"/performance/departments/{menyuan.pk}/{form.fiscal_year}/forms/",
            f"{form.fiscal_year}年度{menyuan.name}项目支出绩效目标表",
        )


class TestFormList:
    def test_forms_are_focusable_regions_with_unique_names(self, client, menyuan):
        html = client.get(f"/performance/departments/{menyuan.pk}/2023/forms/").content.decode()
        labels = re.findall(r'tabindex="0" aria-label="([^"]+)"', html)
        assert len(labels) == TargetForm.objects.filter(department=menyuan).count() > 1
        assert len(set(labels)) == len(labels)
