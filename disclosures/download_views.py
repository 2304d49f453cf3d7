"""Download endpoints of the citizen portal: published disclosures only; anything else does not exist (404)."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from disclosures import downloads
from disclosures.models import Disclosure

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}


def published_disclosure(pk: int) -> Disclosure:
    return get_object_or_404(Disclosure.objects.with_unit().published(), pk=pk)


def file_response(content: bytes, extension: str, filename_stem: str) -> HttpResponse:
    """An attachment named in Chinese: Content-Disposition with filename*=utf-8''… (RFC 6266/5987)."""
    response = HttpResponse(content, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = content_disposition_header(True, f"{filename_stem}.{extension}")
    response["Content-Length"] = str(len(content))
    return response


@require_GET
def disclosure_download(request, pk: int, fmt: str):
    """Every table of a disclosure: csv → a ZIP of one CSV per table, xlsx → one workbook, json → the export."""
    disclosure = published_disclosure(pk)
    stem = downloads.file_stem(disclosure)
    if fmt == "csv":
        return file_response(downloads.disclosure_csv_zip(disclosure), "zip", stem)
    if fmt == "xlsx":
        return file_response(downloads.disclosure_xlsx(disclosure), "xlsx", stem)
    if fmt == "json":
        return file_response(downloads.disclosure_json_bytes(disclosure), "json", stem)
    raise Http404


@require_GET
def table_download(request, pk: int, key: str, fmt: str):
    disclosure = published_disclosure(pk)
    table = downloads.find_table(disclosure, key)
    if table is None:
        raise Http404
    stem = downloads.table_file_stem(disclosure, table)
    if fmt == "csv":
        return file_response(downloads.table_csv(table, disclosure.unit.name), "csv", stem)
    if fmt == "xlsx":
        return file_response(downloads.table_xlsx(disclosure, table), "xlsx", stem)
    if fmt == "json":
        return file_response(downloads.table_json_bytes(table), "json", stem)
    raise Http404
