"""版本比对页 — GET /review/disclosures/<pk>/diff/[?against=<pk2> | ?snapshot=<id>].

Department-scoped like the review page: both versions must be reviewable by the user, otherwise 404.
Without a parameter the data now is compared with the last submission's snapshot (the previous review round);
with no snapshot, with the version this one corrects.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from disclosures.diff import disclosure_diff
from disclosures.models import Disclosure, DisclosureSnapshot
from disclosures.permissions import reviewable_disclosures


def _reviewable(request):
    return reviewable_disclosures(request.user, Disclosure.objects.with_unit())


def _pk(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("参数无效") from None


@require_GET
def diff(request, pk: int):
    disclosure = get_object_or_404(_reviewable(request), pk=pk)
    snapshots = list(
        DisclosureSnapshot.objects.filter(disclosure=disclosure).defer("data").order_by("-created_at", "-id")
    )
    against = None
    if "against" in request.GET:
        against = get_object_or_404(_reviewable(request), pk=_pk(request.GET["against"]))
    elif "snapshot" in request.GET:
        against = get_object_or_404(
            DisclosureSnapshot.objects.filter(disclosure=disclosure), pk=_pk(request.GET["snapshot"])
        )
    elif snapshots:
        against = DisclosureSnapshot.objects.get(pk=snapshots[0].pk)
    elif disclosure.supersedes_id:
        against = _reviewable(request).filter(pk=disclosure.supersedes_id).first()
    versions = (
        _reviewable(request)
        .filter(unit_id=disclosure.unit_id, fiscal_year=disclosure.fiscal_year, kind=disclosure.kind)
        .exclude(pk=disclosure.pk)
        .order_by("-version")
    )
    context = {
        "disclosure": disclosure,
        "against": against,
        "against_is_snapshot": isinstance(against, DisclosureSnapshot),
        "diff": disclosure_diff(against, disclosure) if against is not None else None,
        "snapshots": snapshots,
        "versions": versions,
    }
    return render(request, "review/diff.html", context)
