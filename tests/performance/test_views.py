import shutil
import subprocess

import pytest

from disclosures.models import Department
from performance.models import TargetForm


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
