"""编辑情况说明 — finance staff edit the 情况说明 items of a disclosure beside the text the data gives.

Each item pairs the text generated from the data with the stored section (documents.narrative_pairs, the pairing
the document itself uses). Saving stores the text as a section edited by the user — creating the section at the
item's place when the document showed generated text — so the review version marks it 人工修改 and compares its
numbers with the data. Plain POST forms (no JavaScript): a refused save re-shows the page with the user's text.

Access: another department's disclosure is a 404 (like every review URL, anonymous users included); staff of the
department without the 填报人 role get a 403; outside 草稿/退回修改 the page is read-only and saving is refused.
Every save is checked against the revision the page was loaded with and increments it (audit.disclosure_touch),
and leaves an AuditEntry.
"""

import copy
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F, Max
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from disclosures.audit import (
    LOCKED_MESSAGE,
    RevisionRefused,
    StaleRevision,
    audit_record,
    disclosure_touch,
    model_changes,
    protected_message,
    revision_lock,
)
from disclosures.documents import NarrativePair, narrative_pairs
from disclosures.models import AuditEntry, Disclosure, Section
from disclosures.narrative import (
    NarrativeItem,
    differing_numbers,
    generate_narrative,
    number_spans,
    placeholder_spans,
    written_numbers,
)
from disclosures.permissions import can_edit, may_file, reviewable_disclosures

Status = Disclosure.Status
EDITABLE = (Status.DRAFT, Status.RETURNED)
NOT_SAVED = "您的修改未保存"
NO_ROLE = "只有本部门的填报人可以修改情况说明"
BLANK = f"正文不能为空（只有标题的项无需保存），{NOT_SAVED}"

Segment = tuple[str, str]  # (text, mark class: "" | "differs" | "expected" | "placeholder")


# ---------------------------------------------------------------- reading


def _text(paragraphs: list[str]) -> str:
    return "\n".join(paragraphs)


def _normalise(text: str) -> str:
    """Browsers post CRLF; sections store one paragraph per line."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _marked(text: str, numbers: set[Decimal], mark: str) -> list[list[Segment]]:
    """Paragraphs of ``text`` cut into segments: the given numbers and the placeholders marked."""
    paragraphs = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        spans = [(start, end, mark) for start, end, value in number_spans(line) if value in numbers]
        spans += [(start, end, "placeholder") for start, end, _ in placeholder_spans(line)]
        segments: list[Segment] = []
        at = 0
        for start, end, kind in sorted(spans):
            if start < at:
                continue
            if start > at:
                segments.append((line[at:start], ""))
            segments.append((line[start:end], kind))
            at = end
        if at < len(line):
            segments.append((line[at:], ""))
        paragraphs.append(segments)
    return paragraphs


@dataclass
class EditRow:
    """One item on the page: the generated text, the current text, and the edit form."""

    pair: NarrativePair
    text: str  # what the textarea holds: the user's refused text, else the current text
    error: str = ""
    generated: list = field(default_factory=list)  # paragraphs of segments
    current: list = field(default_factory=list)
    differing: list[Decimal] = field(default_factory=list)  # in the current text, not in the generated one
    placeholders: list[str] = field(default_factory=list)  # left in the text the document shows

    @property
    def item(self):
        return self.pair.item

    @property
    def section(self):
        return self.pair.section

    @property
    def heading(self) -> str:
        return self.section.heading if self.section else self.item.heading

    @property
    def level(self) -> int:
        return self.section.level if self.section else self.item.level

    @property
    def anchor(self) -> str:
        return f"item-{self.item.key.replace('.', '-')}" if self.item else f"section-{self.section.pk}"

    @property
    def source(self) -> str:
        """edited | imported | generated (shown as generated, not stored) | absent (not in the document)."""
        if self.section is not None:
            return "edited" if self.section.edited_by_id else "imported"
        return "generated" if self.pair.shown else "absent"

    @property
    def badges(self) -> list[tuple[str, str]]:
        """(label, kind) of the source and of what needs attention."""
        labels = {"edited": "人工修改", "imported": "原文导入", "generated": "按数据生成", "absent": "文档中无此项"}
        out = [(labels[self.source], self.source)]
        if self.differing:
            out.append((f"{len(self.differing)}个数字不一致", "differs"))
        if self.placeholders:
            out.append((f"{len(self.placeholders)}处未填写", "placeholder"))
        return out

    @property
    def can_adopt(self) -> bool:
        generated = _text(self.item.paragraphs) if self.item else ""
        return bool(generated.strip()) and (self.section is None or self.section.body != generated)

    @property
    def textarea_rows(self) -> int:
        """Tall enough for the text (about 50 characters a line), within reason."""
        lines = sum(1 + len(line) // 50 for line in self.text.split("\n"))
        return min(max(lines + 1, 3), 24)


def _row(pair: NarrativePair) -> EditRow:
    item, section = pair.item, pair.section
    generated = _text(item.paragraphs) if item else ""
    if section is None:
        return EditRow(
            pair,
            generated,
            generated=_marked(generated, set(), "expected"),
            placeholders=[text for _, _, text in placeholder_spans(generated)] if pair.shown else [],
        )
    row = EditRow(pair, section.body, placeholders=[text for _, _, text in placeholder_spans(section.body)])
    if item is None:
        row.current = _marked(section.body, set(), "differs")
        return row
    row.differing = differing_numbers(section.body, generated)
    row.generated = _marked(generated, set(differing_numbers(generated, section.body)), "expected")
    row.current = _marked(section.body, set(row.differing), "differs")
    return row


def edit_rows(disclosure: Disclosure) -> list[EditRow]:
    """The items of the page, in document order (also the items the document leaves out, marked absent)."""
    sections = list(disclosure.sections.filter(part=Section.Part.NARRATIVE).select_related("edited_by"))
    return [_row(pair) for pair in narrative_pairs(generate_narrative(disclosure), sections)]


def _find(pairs: list, *, section_id: str, key: str):
    """The row (or pair) a form was posted for: by its stored section, else by its generated item's key."""
    if section_id.isdigit():
        found = next((p for p in pairs if p.section is not None and p.section.pk == int(section_id)), None)
        if found is not None:
            return found
    return next((p for p in pairs if key and p.item is not None and p.item.key == key), None)


# ---------------------------------------------------------------- writing


@dataclass
class SaveResult:
    section: Section
    item: NarrativeItem | None  # None when the section has no generated counterpart
    changed: bool


def _make_room(disclosure: Disclosure, pairs: list[NarrativePair], pair: NarrativePair) -> tuple[int, int]:
    """The order for a new section at ``pair``'s place (after the previous stored item), and how many sections
    moved down one place to free it (section_unique_order: moved in two steps, never colliding)."""
    at = pairs.index(pair)
    before = next((p.section for p in reversed(pairs[:at]) if p.section is not None), None)
    after = next((p.section for p in pairs[at + 1 :] if p.section is not None), None)
    sections = Section.objects.filter(disclosure=disclosure)
    if before is not None:
        order = before.order + 1
    elif after is not None:
        order = after.order
    else:  # the first narrative section: after 概况
        overview = sections.filter(part=Section.Part.OVERVIEW).aggregate(last=Max("order"))["last"]
        order = (overview or 0) + 1
    if not sections.filter(order=order).exists():
        return order, 0
    top = sections.aggregate(top=Max("order"))["top"]
    moved = sections.filter(order__gte=order).update(order=F("order") + top + 1)
    sections.filter(order__gt=top).update(order=F("order") - top)
    return order, moved


def narrative_section_save(
    *, disclosure: Disclosure, user, expected_revision, section_id: str, key: str, body: str | None
) -> SaveResult:
    """Store ``body`` (None: the text generated from the data) as the user's edit of one 情况说明 item.

    Refuses with a Chinese ValidationError: a page without its revision, a stale page (StaleRevision), a published
    or otherwise non-editable version, a user without the 填报人 role, an unknown item, blank text.
    """
    if not str(expected_revision or "").isdigit():
        raise RevisionRefused(f"页面缺少数据修订号，请刷新后再改，{NOT_SAVED}", code="no_revision")
    if body is not None and not body.strip():  # before locking: nothing to check against the data
        raise ValidationError(BLANK, code="blank")
    with transaction.atomic():
        locked = revision_lock(disclosure=disclosure, expected_revision=expected_revision)
        if not can_edit(user, locked):
            raise RevisionRefused(_refusal(locked), code="not_editable")
        sections = list(locked.sections.filter(part=Section.Part.NARRATIVE))
        pairs = narrative_pairs(generate_narrative(locked), sections)
        pair = _find(pairs, section_id=section_id, key=key)
        if pair is None:
            raise ValidationError(f"找不到该项（可能已被删除），请刷新后再改，{NOT_SAVED}", code="unknown_item")
        if body is None:
            if pair.item is None:
                raise ValidationError(f"该项没有按数据生成的文本，{NOT_SAVED}", code="no_generated")
            body = _text(pair.item.paragraphs)
            if not body.strip():
                raise ValidationError(BLANK, code="blank")
        section = pair.section
        if section is not None and section.body == body:
            return SaveResult(section, pair.item, False)
        disclosure_touch(disclosure=locked, expected_revision=expected_revision)
        now = timezone.now()
        if section is None:
            order, moved = _make_room(locked, pairs, pair)
            section = Section(
                disclosure=locked,
                part=Section.Part.NARRATIVE,
                order=order,
                level=pair.item.level,
                heading=pair.item.heading[:255],
                body=body,
                edited_by=user,
                edited_at=now,
            )
            section.full_clean()
            section.save()
            changes = model_changes(None, section)
            if moved:
                changes["其后文字部分的顺序"] = [None, f"{moved}项各后移一位"]
            audit_record(
                user=user, instance=section, action=AuditEntry.Action.CREATE, changes=changes, disclosure=locked
            )
        else:
            old = copy.copy(section)
            section.body, section.edited_by, section.edited_at = body, user, now
            section.full_clean()
            section.save(update_fields=["body", "edited_by", "edited_at"])
            audit_record(
                user=user,
                instance=section,
                action=AuditEntry.Action.UPDATE,
                changes=model_changes(old, section),
                disclosure=locked,
            )
        disclosure.revision = locked.revision
        return SaveResult(section, pair.item, True)


# ---------------------------------------------------------------- the page


def _refusal(disclosure: Disclosure) -> str:
    """Why the user may not edit: the state, else (a role lost meanwhile) the role."""
    if disclosure.status == Status.PUBLISHED:
        return LOCKED_MESSAGE
    if disclosure.status not in EDITABLE:
        labels = "、".join(f"“{Status(s).label}”" for s in EDITABLE)
        return f"当前状态为“{disclosure.get_status_display()}”，不能修改情况说明（只有{labels}状态可以）"
    return NO_ROLE


def _page(request, disclosure: Disclosure, *, rows=None, error: str = "", kept: str = "", status: int = 200):
    rows = edit_rows(disclosure) if rows is None else rows
    editable = can_edit(request.user, disclosure)
    context = {
        "disclosure": disclosure,
        "title": f"{disclosure.unit.name}{disclosure.fiscal_year}年度{disclosure.get_kind_display()}",
        "rows": rows,
        "editable": editable,
        "notice": "" if editable else _refusal(disclosure),
        "error": error,
        "kept": kept,  # the user's text when the item it was posted for is gone
        "counts": {
            "edited": sum(r.source == "edited" for r in rows),
            "differing": sum(bool(r.differing) for r in rows),
            "placeholders": sum(bool(r.placeholders) for r in rows),
        },
    }
    return render(request, "review/narrative_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
def narrative_edit(request, pk: int):
    disclosure = get_object_or_404(reviewable_disclosures(request.user, Disclosure.objects.with_unit()), pk=pk)
    if not may_file(request.user, disclosure):
        return render(
            request,
            "review/narrative_edit.html",
            {"disclosure": disclosure, "forbidden": NO_ROLE},
            status=403,
        )
    if request.method == "GET":
        return _page(request, disclosure)

    adopt = request.POST.get("action") == "adopt"
    section_id, key = request.POST.get("section", ""), request.POST.get("key", "")
    text = _normalise(request.POST.get("body", ""))
    try:
        result = narrative_section_save(
            disclosure=disclosure,
            user=request.user,
            expected_revision=request.POST.get("revision"),
            section_id=section_id,
            key=key,
            body=None if adopt else text,
        )
    except ValidationError as exc:
        message = "；".join(exc.messages)
        if isinstance(exc, StaleRevision):
            message += "。下面已是最新内容，您输入的文字保留在编辑框中，核对后可再次保存"
        conflict = isinstance(exc, RevisionRefused)  # stale page, published or not editable: 409
        return _refused(request, disclosure, section_id, key, text, message, conflict)
    except DatabaseError as exc:  # the immutability triggers refuse what a race let through
        message = protected_message(exc)
        if message is None:
            raise
        return _refused(request, disclosure, section_id, key, text, f"{message}。{NOT_SAVED}", True)

    row = _row(NarrativePair(result.item, result.section, True))
    tag = row.anchor  # the item shows its messages too: the page opens there, below the page's message list
    if not result.changed:
        messages.info(request, f"“{row.heading}”的正文没有改动，未保存", extra_tags=tag)
    else:
        done = f"已采用按数据生成的文本：“{row.heading}”" if adopt else f"已保存“{row.heading}”"
        messages.success(request, done, extra_tags=tag)
        if row.differing:
            numbers = written_numbers(row.differing)
            messages.warning(
                request, f"“{row.heading}”中有数字与按数据生成的文本不一致：{numbers}（审核版将标出）", extra_tags=tag
            )
        if row.placeholders:
            left = "、".join(dict.fromkeys(row.placeholders))
            messages.warning(
                request,
                f"“{row.heading}”仍有{len(row.placeholders)}处未填写的内容：{left}，提交审核前请填写",
                extra_tags=tag,
            )
    return redirect(f"{reverse('disclosures:narrative_edit', args=[disclosure.pk])}#{row.anchor}")


def _refused(request, disclosure, section_id: str, key: str, text: str, message: str, conflict: bool):
    """The page as it is now (the current revision), with the user's text kept in the item it was posted for."""
    disclosure = get_object_or_404(Disclosure.objects.with_unit(), pk=disclosure.pk)
    rows = edit_rows(disclosure)
    row = _find(rows, section_id=section_id, key=key)
    if row is not None:
        row.text, row.error = text, message
    context_error = message if row is None else f"“{row.heading}”未保存：{message}"
    return _page(
        request,
        disclosure,
        rows=rows,
        error=context_error,
        kept="" if row is not None else text,
        status=409 if conflict else 200,
    )
