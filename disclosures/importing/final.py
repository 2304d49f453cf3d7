"""决算公开 — reads a unit's final-accounts disclosure (单位决算公开, seed 003) into a ParsedDocument.

Layout (DOMAIN §1.2): cover, 目录, 第一部分 概况, 第二部分 决算表 (公开01表…公开10表), 第三部分 情况说明,
第四部分 名词解释, 第五部分 附件 (项目支出绩效自评表). Cells are tab-separated. The self-evaluation forms were
extracted from PDF tables whose merged cells land in arbitrary columns, so they are read by content (labels,
numbers, their order), never by column position.
"""

import re
from collections import Counter
from decimal import Decimal

from disclosures.importing.numbers import is_amount, parse_amount
from disclosures.importing.parsed import (
    ImportIssue,
    ParsedDocument,
    ParsedEvalFunds,
    ParsedResult,
    ParsedSection,
    ParsedSelfEvaluation,
    ParsedTable,
    SourceRow,
)

Line = tuple[int, str]  # (1-based line number, raw text)

_PART = re.compile(r"^第([一二三四五])部分\s*(\S.*)$")
_PART_KINDS = {"一": "overview", "二": "tables", "三": "narrative", "四": "glossary", "五": "attachment"}
_COVER_TITLE = re.compile(r"^(\d{4})年度\S*决算公开$")
_PROVINCE = re.compile(
    r"(河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾)省"
)
_REGION = re.compile(r"^(.+?([市县区旗]))")
_REGION_LEVELS = {"市": "city", "县": "county", "区": "county", "旗": "county"}

_TABLE_LABEL = re.compile(r"^公开(\d{2})表$")
_TABLE_UNIT = re.compile(r"^(?:金额)?单位：\s*(\S+)$")
_TABLE_META = re.compile(r"^((部门|单位)名称：.*|\d{4}年度)$")
_TERM = re.compile(r"^(?:-\s*)?([一二三四五六七八九十]+、[^：]+)：(.*)$")
# Whitespace between two CJK characters (or brackets) is a line wrap inside a PDF cell (DOMAIN Q8).
_WRAP = re.compile(r"(?<=[^\x00-\x27\x2a-\x7f])\s+(?=[^\x00-\x27\x2a-\x7f])")

_FORM_TITLE = "项目支出绩效自评表"
_YEAR_LABEL = re.compile(r"[（(]\d{4}年度[)）]")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_LEVEL1 = re.compile(r"^(产出|效益|满意度)指标$")
_LEVEL2 = re.compile(r"^(数量|质量|时效|成本|经济效益|社会效益|生态效益|可持续影响|服务对象满意度?)(指标)?$")
_LEVEL2_PARENTS = {
    "数量": "产出指标",
    "质量": "产出指标",
    "时效": "产出指标",
    "成本": "产出指标",  # this template files 成本 under 产出 (DOMAIN §5.2: 产出 50 incl. 成本)
    "经济效益": "效益指标",
    "社会效益": "效益指标",
    "生态效益": "效益指标",
    "可持续影响": "效益指标",
    "服务对象满意": "满意度指标",
}
# The merged 绩效指标 block label, and the pieces of it (or of header words) that wrapping leaves in data rows.
_INDICATOR_NOISE = {"绩效指标", "绩", "效指标", "指标", "标", "一级指标", "二级指标", "三级指标"}
_ANALYSIS_LABELS = {"项目绩效分析", "自评结果分析"}
_ANALYSIS_HEADING = re.compile(
    r"^(项目实施(和|的)预算执行(情况)?(及分析)?|(产出|效益|满意度)情况(及分析)?|主要经验做法"
    r"|项目管理中存在的(主要)?问题及原因分析|下一步改进措施及管理建议)$"
)
_ANALYSIS_ITEMS = 7
_FUNDS_FIELDS = (
    "initial_declared",
    "initial_budgeted",
    "full_year_budget",
    "executed",
    "balance",
    "execution_rate",
    "score",
)


def parse_final_document(text: str) -> ParsedDocument:
    """Parse the whole text of a 单位决算公开 document (tab-separated extraction)."""
    # Split on "\n" only: str.splitlines() also breaks on \f, \x85, U+2028…, which would shift the line numbers.
    lines = list(enumerate(text.removesuffix("\n").split("\n"), start=1))
    issues: list[ImportIssue] = []
    cover, parts = _split_parts(lines, issues)
    title = next((m for _, raw in cover if (m := _COVER_TITLE.match(raw.strip()))), None)
    if not title:
        issues.append(ImportIssue(None, "封面未找到“YYYY年度…决算公开”标题，无法确定年度", severity="error"))
    forms = _parse_self_evaluations(parts.get("attachment", []), issues)
    department_code, department_name = _split_code(forms[0].department_label if forms else "")
    unit_code, unit_name = _split_code(forms[0].unit_label if forms else "")
    if not department_code:
        issues.append(ImportIssue(None, "自评表中未找到“主管部门及代码”，无法确定部门编码", severity="error"))
    region_match = _REGION.match(department_name)
    provinces = Counter(_PROVINCE.findall(text))
    return ParsedDocument(
        kind="final",
        fiscal_year=int(title.group(1)) if title else 0,
        department_code=department_code,
        department_name=department_name,
        unit_code=unit_code or (f"{department_code}001" if department_code else ""),
        unit_name=unit_name or department_name,
        region=region_match.group(1) if region_match else "",
        region_level=_REGION_LEVELS[region_match.group(2)] if region_match else "",
        province=f"{provinces.most_common(1)[0][0]}省" if provinces else "",
        title=title.group(0) if title else "",
        tables=_parse_tables(parts.get("tables", []), issues),
        sections=_parse_sections(parts.get("overview", []), "overview", issues)
        + _parse_sections(parts.get("narrative", []), "narrative", issues)
        + _parse_glossary(parts.get("glossary", []), issues),
        self_evaluations=forms,
        issues=issues,
        lines_read=len(lines),
    )


def _split_parts(lines: list[Line], issues: list[ImportIssue]) -> tuple[list[Line], dict[str, list[Line]]]:
    """Cover + 目录 lines, and each part's lines keyed by kind. 目录 entries carry a tab and a page number."""
    starts = [
        (i, _PART_KINDS[m.group(1)])
        for i, (_, raw) in enumerate(lines)
        if "\t" not in raw and (m := _PART.match(raw.strip()))
    ]
    if not starts:
        issues.append(ImportIssue(None, "未找到“第一部分…第五部分”标题，正文未读入", severity="error"))
        return lines, {}
    ends = [i for i, _ in starts[1:]] + [len(lines)]
    return lines[: starts[0][0]], {kind: lines[i + 1 : end] for (i, kind), end in zip(starts, ends, strict=True)}


def _unwrap(cell: str) -> str:
    return _WRAP.sub("", cell.strip())


def _split_code(label: str) -> tuple[str, str]:
    """'222-晋城市应急管理局' → ('222', '晋城市应急管理局')."""
    code, _, name = label.partition("-")
    return (code.strip(), name.strip()) if code.strip().isdigit() else ("", label.strip())


def _cn_numeral(n: int) -> str:
    digits = "一二三四五六七八九"
    if n < 10:
        return digits[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens - 1]) + "十" + (digits[ones - 1] if ones else "")


def _is_heading(text: str, pattern: str) -> bool:
    # Body paragraphs may also open with "（十四）…": a heading is short and is not a sentence.
    return bool(re.match(pattern, text)) and len(text) <= 40 and not text.endswith(("。", "；", "，"))


def _parse_sections(lines: list[Line], part: str, issues: list[ImportIssue]) -> list[ParsedSection]:
    """一、… headings (level 1) and their （一）… sub-items (level 2), numbered in sequence; paragraphs joined."""
    sections: list[ParsedSection] = []
    next1 = next2 = 1
    for no, raw in lines:
        text = raw.strip()
        if not text:
            continue
        if _is_heading(text, rf"{_cn_numeral(next1)}、"):
            sections.append(ParsedSection(part=part, heading=text, body="", line=no, level=1))
            next1, next2 = next1 + 1, 1
        elif sections and _is_heading(text, rf"[（(]{_cn_numeral(next2)}[)）]"):
            sections.append(ParsedSection(part=part, heading=text, body="", line=no, level=2))
            next2 += 1
        elif sections:
            sections[-1].body = f"{sections[-1].body}\n{text}" if sections[-1].body else text
        else:
            issues.append(ImportIssue(no, f"段落“{text[:20]}”不在任何标题之下，未读入"))
    return sections


def _parse_glossary(lines: list[Line], issues: list[ImportIssue]) -> list[ParsedSection]:
    """名词解释: one section per numbered term ('- 一、财政拨款收入：指…'), else the whole part as one section."""
    texts = [(no, raw.strip()) for no, raw in lines if raw.strip()]
    terms = [(no, _TERM.match(text)) for no, text in texts]
    if not any(m for _, m in terms):
        body = "\n".join(text for _, text in texts)
        return [ParsedSection(part="glossary", heading="名词解释", body=body, line=texts[0][0])] if texts else []
    sections = []
    for (no, text), (_, m) in zip(texts, terms, strict=True):
        if m:
            sections.append(ParsedSection(part="glossary", heading=m.group(1), body=m.group(2), line=no))
        else:
            issues.append(ImportIssue(no, f"名词解释中“{text}”不是编号名词，未读入"))
    return sections


def _parse_tables(lines: list[Line], issues: list[ImportIssue]) -> list[ParsedTable]:
    """公开NN表 blocks; each runs from its title (printed before or after the label) to the next table."""
    texts = [raw.strip() for _, raw in lines]
    spans = []
    for i, text in enumerate(texts):
        if _TABLE_LABEL.match(text):
            title_at = _table_title_index(lines, i)
            spans.append((i if title_at is None else min(i, title_at), i, title_at))
    for no, raw in lines[: spans[0][0] if spans else len(lines)]:
        if raw.strip():
            issues.append(ImportIssue(no, f"决算表部分的“{raw.strip()[:20]}”不属于任何公开表，未读入"))
    ends = [start for start, _, _ in spans[1:]] + [len(lines)]
    tables = []
    for (start, label_at, title_at), end in zip(spans, ends, strict=True):
        label = texts[label_at]
        if title_at is None:
            issues.append(ImportIssue(lines[label_at][0], f"{label}未找到表名", cell=label))
        table = ParsedTable(
            key=f"final_{_TABLE_LABEL.match(label).group(1)}",
            title="" if title_at is None else texts[title_at],
            line=lines[start][0],
            label=label,
        )
        grid = []
        for i in range(start, end):
            (no, raw), text = lines[i], texts[i]
            if not text or i in (label_at, title_at):
                continue
            if m := _TABLE_UNIT.match(text):
                table.unit_label = m.group(1)
            elif text.startswith("注："):
                table.notes.append(text)
            elif "本表无数据" in text:
                table.empty_note = text
            elif not _TABLE_META.match(text):
                grid.append(SourceRow(line=no, cells=[cell.strip() for cell in raw.split("\t")]))
        header_length = _header_length(grid)
        table.header_rows = [[_unwrap(cell) for cell in row.cells] for row in grid[:header_length]]
        table.rows = grid[header_length:]
        tables.append(table)
    return tables


def _table_title_index(lines: list[Line], label_at: int) -> int | None:
    def is_title(i: int) -> bool:
        raw = lines[i][1]
        text = raw.strip()
        return (
            "\t" not in raw
            and text.endswith("表")
            and not _TABLE_LABEL.match(text)
            and not text.startswith(("注", "说明", "第"))
        )

    before = next((i for i in range(label_at - 1, -1, -1) if lines[i][1].strip()), None)
    after = next((i for i in range(label_at + 1, len(lines)) if lines[i][1].strip()), None)
    return next((i for i in (before, after) if i is not None and is_title(i)), None)


def _header_length(grid: list[SourceRow]) -> int:
    """Header = lines up to the 栏次 row (also misprinted 档次, or bare 1…n), else up to the first line with amounts."""
    for i, row in enumerate(grid):
        filled = [cell for cell in row.cells if cell]
        if filled and (filled[0] in ("栏次", "档次") or filled == [str(n) for n in range(1, len(filled) + 1)]):
            return i + 1
        if any(is_amount(cell) for cell in row.cells):
            return i
    return len(grid)


def _parse_self_evaluations(lines: list[Line], issues: list[ImportIssue]) -> list[ParsedSelfEvaluation]:
    starts = [i for i, (_, raw) in enumerate(lines) if "\t" not in raw and _FORM_TITLE in raw]
    for no, raw in lines[: starts[0] if starts else len(lines)]:
        if raw.strip():
            issues.append(ImportIssue(no, f"附件中的“{raw.strip()[:20]}”不属于任何自评表，未读入"))
    return [_parse_form(lines[start:end]) for start, end in zip(starts, starts[1:] + [len(lines)], strict=True)]


def _parse_form(block: list[Line]) -> ParsedSelfEvaluation:
    """One 项目支出绩效自评表: header → funds → 年度目标 → indicators → 总分 → 项目绩效分析 (DOMAIN §5.1)."""
    title_line, title = block[0][0], block[0][1].strip()
    year = _YEAR_LABEL.search(title)
    form = ParsedSelfEvaluation(
        line=title_line,
        title=title[: year.start()].strip() if year else title,
        year_label=year.group(0) if year else "",
        project_name="",
    )
    issues = form.issues
    state, two_columns = "head", False
    for no, raw in block[1:]:
        texts = [cell.strip() for cell in raw.split("\t") if cell.strip()]
        keys = [_unwrap(text) for text in texts]
        if not texts:
            continue
        if not form.year_label and _YEAR_LABEL.fullmatch(keys[0]):
            form.year_label = keys[0]
        elif keys[0] == "项目名称" and len(texts) > 1:
            form.project_name = texts[1]
        elif keys[0] == "主管部门及代码" and len(texts) > 1:
            form.department_label = texts[1]
            form.unit_label = texts[keys.index("预算单位") + 1] if "预算单位" in keys[:-1] else ""
        elif keys[0].startswith("项目资金"):
            state, two_columns = "funds", "目标申报数" in keys
        elif "年度目标" in keys and "实际完成情况" in keys:
            state = "goal"
        elif state == "funds" and "目标申报数" in keys:
            two_columns = True
        elif state == "funds":
            two_columns = _read_funds(no, texts, keys, two_columns, form)
        elif state == "goal":
            _read_goal(no, texts, keys, form)
            state = "indicators"
        elif state == "indicators" and keys[0] == "总分":
            _read_total(no, keys, form)
            state = "analysis"
        elif state == "indicators" and "偏差原因分析及改进措施" in keys and not any(map(_NUMBER.match, keys)):
            continue  # the indicator grid's (possibly wrapped) column header
        elif state == "indicators":
            result = _read_result(no, raw.split("\t"), issues)
            if result:
                form.results.append(result)
        elif state == "analysis":
            _read_analysis(no, texts, form)
        else:
            issues.append(ImportIssue(no, f"无法识别的自评表行“{raw.strip()[:30]}”，未读入"))
    _fill_levels(form.results, issues)
    if form.total_score is None:
        issues.append(ImportIssue(title_line, "自评表未找到总分行", cell="总分"))
    if len(form.analysis) < _ANALYSIS_ITEMS:
        issues.append(
            ImportIssue(
                title_line, f"项目绩效分析只有{len(form.analysis)}项（应为{_ANALYSIS_ITEMS}项）", cell="项目绩效分析"
            )
        )
    return form


def _read_funds(no: int, texts: list[str], keys: list[str], two_columns: bool, form: ParsedSelfEvaluation) -> bool:
    """资金总额 / 市县区财政资金 row: a label, then the amounts in column order, then an optional 偏差原因.
    Returns whether 年初预算数 has two sub-columns (目标申报数, 预算编制数); seven amounts prove it even when the
    header does not print them."""
    label_parts: list[str] = []
    amounts: list[Decimal | None] = []
    deviation: list[str] = []
    for text, key in zip(texts, keys, strict=True):
        if is_amount(text):
            amounts.append(parse_amount(text))
        elif amounts:
            deviation.append(text)
        else:
            label_parts.append(key)
    label = "".join(label_parts).rstrip(":：")
    if "资金" in label_parts[:-1]:  # '市县区财政资\n金' wrapped: the tail landed in the column before (DOMAIN Q8)
        label = "".join(part for part in label_parts if part != "资金") + "资金"
        form.issues.append(
            ImportIssue(no, f"资金行名称跨单元格“{'”“'.join(label_parts)}”，合并为“{label}”", cell=label)
        )
    if not two_columns and len(amounts) == len(_FUNDS_FIELDS):
        two_columns = True
        form.issues.append(ImportIssue(no, "表头只印一列年初预算数，但资金行有7个数，按目标申报数、预算编制数两列读取"))
    fields = _FUNDS_FIELDS if two_columns else tuple(f for f in _FUNDS_FIELDS if f != "initial_budgeted")
    if len(amounts) not in (len(fields), len(fields) - 1):
        form.issues.append(ImportIssue(no, f"资金行“{label}”有{len(amounts)}个数，无法对应各栏，未读入", cell=label))
        return two_columns
    if len(amounts) < len(fields):
        form.issues.append(ImportIssue(no, f"资金行“{label}”少一个数：未印得分，得分留空", cell=label))
    form.funds.append(
        ParsedEvalFunds(label=label, deviation=" ".join(deviation), line=no, **dict(zip(fields, amounts, strict=False)))
    )
    return two_columns


def _read_goal(no: int, texts: list[str], keys: list[str], form: ParsedSelfEvaluation) -> None:
    content = [text for text, key in zip(texts, keys, strict=True) if key != "项目年度绩效目标"]
    if len(content) != 2:
        form.issues.append(ImportIssue(no, f"年度目标行有{len(content)}段文字（应为年度目标、实际完成情况两段）"))
    form.annual_goal = content[0] if content else ""
    form.actual_result = "\n".join(content[1:])


def _read_total(no: int, keys: list[str], form: ParsedSelfEvaluation) -> None:
    numbers = [key for key in keys[1:] if _NUMBER.match(key)]
    form.total_score = Decimal(numbers[0]) if numbers else None
    form.grade = next((key for key in keys[1:] if key in ("优", "良", "中", "差")), "")
    if not numbers:
        form.issues.append(ImportIssue(no, "总分行没有分数", cell="总分"))


def _read_result(no: int, cells: list[str], issues: list[ImportIssue]) -> ParsedResult | None:
    """One indicator row: [labels…] 三级指标 年初 调整后 实际 分值 [得分] [偏差原因]; the first bare number is 分值."""
    cells = [cell.strip() for cell in cells]
    weight_at = next((i for i, cell in enumerate(cells) if _NUMBER.match(cell)), None)
    if weight_at is None or weight_at < 4 or not any(cells[: weight_at - 3]):
        issues.append(ImportIssue(no, f"无法识别的绩效指标行“{'|'.join(filter(None, cells))[:40]}”，未读入"))
        return None
    rest = cells[weight_at + 1 :]
    score_text = rest.pop(0) if rest and (_NUMBER.match(rest[0]) or not rest[0]) else ""
    deviation = " ".join(filter(None, rest))
    initial, adjusted, actual = (_unwrap(cell) for cell in cells[weight_at - 3 : weight_at])
    weight = Decimal(cells[weight_at])
    score = Decimal(score_text) if score_text else None
    if score is None and not deviation:
        # DOMAIN §5.2 (森林防火装备购置, 时效): one number printed where 分值 and 得分 are merged; 总分 only adds up
        # when it counts as both. A blank 得分 that is explained by a 偏差原因 stays blank.
        score = weight
        issues.append(ImportIssue(no, f"分值、得分只印一个数“{weight}”，按分值与得分相同读取", cell="得分"))
    labels = [_unwrap(cell) for cell in cells[: weight_at - 3] if cell]
    name = labels.pop()
    ignored = []
    if name == initial and labels:  # a value cell printed twice pushes the values one column right
        ignored.append(name)
        name = labels.pop()
    level1 = level2 = ""
    for label in labels:
        if label in _INDICATOR_NOISE:
            ignored += [] if label == "绩效指标" else [label]
        elif _LEVEL1.match(label) and not level1:
            level1 = label
        elif _LEVEL2.match(label) and not level2:
            level2 = label
        else:
            ignored.append(label)
    if not level2 and _LEVEL2.match(name):  # '满意度指标 | 服务对象满意度 | ≥95%…': the 三级 name is missing
        level2, name = name, ""
        issues.append(ImportIssue(no, f"三级指标名称未印出（“{level2}”是二级指标）", cell="三级指标"))
    if ignored:
        issues.append(ImportIssue(no, f"指标行中多余或残缺的单元格“{'”“'.join(ignored)}”已忽略", cell="绩效指标"))
    return ParsedResult(
        level1=level1,
        level2=level2,
        name=name,
        initial_value=initial,
        adjusted_value=adjusted,
        actual_value=actual,
        weight=weight,
        score=score,
        deviation=deviation,
        line=no,
    )


def _level2_parent(level2: str) -> str:
    return next((parent for prefix, parent in _LEVEL2_PARENTS.items() if level2.startswith(prefix)), "")


def _fill_levels(results: list[ParsedResult], issues: list[ImportIssue]) -> None:
    """Carry 一级/二级 down over merged cells. A merged label may be printed in a later row of its span, so rows
    before the first printed 二级 take it, and a missing 一级 follows from the 二级 (DOMAIN §4.1)."""
    first_level2 = next((r.level2 for r in results if r.level2), "")
    level1 = level2 = ""
    for result in results:
        if result.level2:
            level2 = result.level2
        elif level2:
            result.level2 = level2
        else:
            result.level2 = first_level2
            issues.append(
                ImportIssue(result.line, f"二级指标未印出，取合并单元格中的“{first_level2}”", cell="二级指标")
            )
        implied = _level2_parent(result.level2)
        if result.level1:
            level1 = result.level1
        elif level1 and level1 == implied:
            result.level1 = level1
        else:
            result.level1 = level1 = implied
            issues.append(
                ImportIssue(result.line, f"一级指标未印出，按二级指标“{result.level2}”定为“{implied}”", cell="一级指标")
            )


def _read_analysis(no: int, texts: list[str], form: ParsedSelfEvaluation) -> None:
    """项目绩效分析 item: heading cell, then its text (one seed cell wraps both in <p>…</p>)."""
    parts: list[str] = []
    for text in texts:
        if "<p>" in text:
            parts += [p.strip() for p in re.findall(r"<p>(.*?)</p>", text)]
            form.issues.append(ImportIssue(no, "项目绩效分析含HTML段落标记<p>，已去除标记"))
        else:
            parts.append(text)
    parts = [part for part in parts if _unwrap(part) not in _ANALYSIS_LABELS]
    if len(parts) >= 2 and _ANALYSIS_HEADING.match(_unwrap(parts[0])):
        form.analysis.append((_unwrap(parts[0]), "\n".join(parts[1:])))
    else:
        form.issues.append(ImportIssue(no, f"无法识别的项目绩效分析行“{'|'.join(parts)[:30]}”，未读入"))
