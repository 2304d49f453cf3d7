"""PDF of a department's standalone performance target forms (e.g. seeds 000 and 004)."""

from django.template.loader import render_to_string

from disclosures.models import Department
from disclosures.pdf import render_html_pdf
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
    return render_html_pdf(html, workers=1)  # a few pages: not worth a fork
