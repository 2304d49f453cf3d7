"""Public and review pages of a disclosure: what each audience may see, and that the numbers are the stored ones."""

import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage

from disclosures import pdf as pdf_module
from disclosures.models import Department, DepartmentRole, Disclosure
from tests.conftest import seed_text
from tests.seedtables import amounts_in, seed_table_amounts


def page_text(response) -> str:
    html = response.content.decode()
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def staff(draft):
    user = get_user_model().objects.create_user("reviewer", password="x-strong-pass-1", is_staff=True)
    DepartmentRole.objects.create(user=user, department=draft.unit.department, role=DepartmentRole.Role.REVIEWER)
    return user


@pytest.fixture
def published(import_seed):
    return Disclosure.objects.get(pk=import_seed("001", publish=True).disclosure_id)


@pytest.fixture
def draft(import_seed):
    return Disclosure.objects.get(pk=import_seed("003").disclosure_id)


class TestPublicPage:
    def test_every_table_number_is_on_the_page(self, client, published):
        response = client.get(f"/disclosures/{published.pk}/")
        assert response.status_code == 200
        text = page_text(response)
        assert seed_table_amounts(seed_text("001")) - amounts_in([text]) == amounts_in([])
        assert "2026年预算收支总表" in text and "第三部分 2026年度单位预算情况说明" in text
        assert "仅供内部审核" not in text

    def test_document_structure_in_official_order(self, client, published):
        text = page_text(client.get(f"/disclosures/{published.pk}/"))
        order = [
            "第一部分 概况",
            "第二部分 2026年单位预算报表",
            "表十三",
            "第三部分",
            "十、绩效管理情况",
            "项目支出绩效目标表",
            "十一、国有资产占有使用情况",
            "第四部分 名词解释",
        ]
        positions = [text.index(marker, text.index("第一部分 概况", text.index("目"))) for marker in order]
        assert positions == sorted(positions)

    def test_charts_have_a_data_table(self, client, published):
        html = client.get(f"/disclosures/{published.pk}/").content.decode()
        assert html.count('src="data:image/svg+xml;base64,') == 3
        assert "收入预算图" in html and "98.51%" in html

    def test_drafts_do_not_exist_for_the_public(self, client, draft):
        assert client.get(f"/disclosures/{draft.pk}/").status_code == 404
        assert client.get(f"/disclosures/{draft.pk}/pdf/").status_code == 404

    def test_home_lists_only_published(self, client, published, draft):
        text = page_text(client.get("/"))
        assert "晋城市应急管理局" in text and "单位预算公开" in text
        assert "单位决算公开" not in text

    def test_security_headers(self, client, published):
        response = client.get(f"/disclosures/{published.pk}/")
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"


class TestReviewPage:
    def test_staff_of_another_department_gets_404(self, client, draft, import_seed, django_user_model):
        import_seed("004")  # 门源县应急管理局, code 309
        user = django_user_model.objects.create_user("outsider", password="x-strong-pass-1", is_staff=True)
        other = Department.objects.get(code="309")
        DepartmentRole.objects.create(user=user, department=other, role=DepartmentRole.Role.REVIEWER)
        client.login(username="outsider", password="x-strong-pass-1")
        assert client.get(f"/review/disclosures/{draft.pk}/").status_code == 404
        assert client.get(f"/review/disclosures/{draft.pk}/pdf/").status_code == 404

    def test_anonymous_and_non_staff_get_404(self, client, draft, django_user_model):
        assert client.get(f"/review/disclosures/{draft.pk}/").status_code == 404
        assert client.get(f"/review/disclosures/{draft.pk}/pdf/").status_code == 404
        django_user_model.objects.create_user("citizen", password="x-strong-pass-1")
        client.login(username="citizen", password="x-strong-pass-1")
        assert client.get(f"/review/disclosures/{draft.pk}/").status_code == 404

    def test_staff_sees_the_watermarked_review_version(self, client, draft, staff):
        client.login(username="reviewer", password="x-strong-pass-1")
        response = client.get(f"/review/disclosures/{draft.pk}/")
        assert response.status_code == 200
        text = page_text(response)
        assert "仅供内部审核" in text and "草稿" in text and "第1版" in text and "reviewer" in text
        assert "公开01表" in text and "收入支出决算总表" in text

    def test_review_shows_where_imported_narrative_differs_from_the_data(self, client, draft, staff):
        client.login(username="reviewer", password="x-strong-pass-1")
        text = page_text(client.get(f"/review/disclosures/{draft.pk}/"))
        assert "以下数字与数据生成的说明不一致" in text  # e.g. 五(三) 3,295.91 vs 3,031.29 (DOMAIN INV-F17)


class TestPdfDownload:
    def test_published_pdf_is_rendered_once_and_cached(self, client, published, monkeypatch, settings, tmp_path):
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
        }
        first = client.get(f"/disclosures/{published.pk}/pdf/")
        assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
        assert first.content.startswith(b"%PDF")
        disposition = first["Content-Disposition"]
        assert disposition.startswith("inline") and "filename*=utf-8''" in disposition
        assert "%E6%99%8B%E5%9F%8E" in disposition  # 晋城 percent-encoded (RFC 5987)
        assert default_storage.exists(pdf_module.cached_pdf_name(published))

        def must_not_render(*args, **kwargs):
            raise AssertionError("a published PDF must be served from storage")

        monkeypatch.setattr(pdf_module, "render_disclosure_pdf", must_not_render)
        second = client.get(f"/disclosures/{published.pk}/pdf/")
        assert second.content == first.content
