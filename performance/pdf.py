"""PDF of a department's standalone performance target forms (e.g. seeds 000 and 004)."""

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML

from disclosures.models import Department
from disclosures.pdf import _styles
from performance.presenters import target_form_grid


def render_forms_pdf(*, department: Department, fiscal_year: int, forms: list) -> bytes:
    title = f"{department.name}{fiscal_year}年度项目支出绩效目标表"
    html = render_to_string(
        "performance/pdf/forms.html",
        {
            "title": title,
            "department": department,
            "fiscal_year": fiscal_year,
            "items": [(form, target_form_grid(form)) for form in forms],
        },
    )
    font_config, sheets = _styles()
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(stylesheets=sheets, font_config=font_config)
