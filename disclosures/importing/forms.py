"""项目支出绩效目标表 — parser for the tab-separated target forms of seeds 000 and 001.

A form reads (DOMAIN §1.3, §4.3–4.5): title, (YYYY年度), header fields, 项目资金 block, five narrative cells,
总体目标 (实施期 | 年度), the 绩效指标 grid (一级 | 二级 | 三级 | 指标值 | 二级 | 三级 | 指标值) and the footer.
The extraction drops and inserts empty cells freely and prints merged labels on any row of their block, so
cells are recognised by their text (field labels, indicator level names), never by column index.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from disclosures.importing.numbers import AmountError, parse_amount
from disclosures.importing.parsed import ImportIssue, ParsedDocument, ParsedIndicator, ParsedTargetForm
from disclosures.importing.text import WATERMARK, region_of

_TITLE = re.compile(r"^\S*项目支出绩效目标(申报)?表$")
_YEAR = re.compile(r"^[（(]\s*(\d{4})\s*年度\s*[）)]$")
_RULE = re.compile(r"^[-\s]*-[-\s]*$")  # markdown table rule such as "------\t-----"
_SPACES = re.compile(r"\s+")
_DEPARTMENT = re.compile(r"^(\d+)\s*[-－]\s*(.+?)(?:\[.*\])?$")

_HEAD_FIELDS = {"项目名称": "project_name", "主管部门及代码": "department_label", "项目属性": "attribute"}
# Second label printed on the same header row, and the field it introduces.
_HEAD_SECOND = {
    "department_label": (("实施单位",), "implementing_unit"),
    "attribute": (("项目期", "项目日期"), "period_label"),
}
_TEXT_FIELDS = {
    "项目概况": "overview",
    "立项依据": "basis",
    "项目设立必要性": "necessity",
    "保证项目实施的制度、措施": "safeguards",
    "项目实施计划": "plan",
}
_FUND_LABELS = {  # label without blanks, colons and with half-width brackets → (period or None, field)
    "实施期资金总额": ("period", "total"),
    "年度资金总额": ("annual", "total"),
    "其中中央财政资金": (None, "central"),
    "中央财政资金": (None, "central"),
    "省级财政资金": (None, "provincial"),
    "市县(区)财政资金": (None, "local"),
    "单位自筹": (None, "self_raised"),
    "其他资金": (None, "other"),
}
_FUND_UNIT = re.compile(r"^(?:项目资金)?\((万?元)\)$")
_GOAL_PERIOD, _GOAL_ANNUAL = ("实施期目标", "实施目标"), ("年度目标",)
_GOAL_LABELS = {"总体目标", *_GOAL_PERIOD, *_GOAL_ANNUAL}
_FOOTER = {"负责人": "responsible", "经办人": "handler", "联系电话": "phone", "填报日期": "filled_at"}
_FIELD_LABELS = {  # attribute → label as printed, for issue messages
    **{name: label for label, name in (*_HEAD_FIELDS.items(), *_TEXT_FIELDS.items(), *_FOOTER.items())},
    "implementing_unit": "实施单位",
    "period_label": "项目期",
}

_LEVEL1 = ("产出指标", "效益指标", "满意度指标")
# 二级 base name → 一级 it belongs to (DOMAIN §4.1). Bases in _SUFFIX_OPTIONAL also appear without 指标 (001).
_LEVEL2_PARENT = {
    "数量": "产出指标",
    "质量": "产出指标",
    "时效": "产出指标",
    "成本": "产出指标",
    "经济效益": "效益指标",
    "社会效益": "效益指标",
    "生态效益": "效益指标",
    "可持续影响": "效益指标",
    "服务对象满意度": "满意度指标",
}
_SUFFIX_OPTIONAL = {"经济效益", "社会效益", "生态效益", "可持续影响", "服务对象满意度"}
_LEVEL2_IRREGULAR = {"经济目标"}  # 001 遗属补助 (DOMAIN §4.1): kept as printed, flagged
_VALUE_LIKE = re.compile(r"^(?:[≥≤<>＜＞=＝≧≦]|\d+(?:\.\d+)?\s*(?:%|％|[\u4e00-\u9fff/()（）]{0,4})$)")

# Alignment of one grid row onto the slots 一级 | 二级 | 三级 指标值 | (一级) | 二级 | 三级 指标值.
_SLOTS = ("l1", "l2a", "a", "a", "l1b", "l2b", "b", "b")
_COST_L2_IN_L1 = 0.7  # 二级 name printed in the 一级 column (Q13)
_COST_L1B = 1.5  # a second 一级 column before the 年度 half (001 宣传)
_COST_LABEL_AS_NAME = 0.3  # 三级 name equal to its own 二级 name (000 “社会效益” under 社会效益指标)
_COST_DUP = 0.9  # cell printed twice in a row
_COST_EXTRA = 5.0  # cell that fits nowhere


@dataclass
class _Cell:
    pos: int  # column index in the tab-separated line
    text: str  # as printed, <p> tags and surrounding blanks removed
    key: str  # text without any whitespace, for recognising labels


@dataclass
class _Row:
    line: int
    cells: list[_Cell]


@dataclass
class _Token:
    cell: _Cell
    level: str | None = None  # "l1" | "l2" | None
    label: str = ""  # level name as printed (whitespace removed)
    base: str = ""  # 二级 base name (数量, 社会效益 …) for "l2"


@dataclass
class _GridState:
    """Labels carried down over merged cells, per half (0 = 实施期, 1 = 年度)."""

    level1: list[str] = field(default_factory=lambda: ["", ""])
    level2: list[str] = field(default_factory=lambda: ["", ""])
    pending: list[list[ParsedIndicator]] = field(default_factory=lambda: [[], []])  # rows above the first label


def _clean(raw: str) -> str:
    text = re.sub(r"</p>\s*<p>", "\n", raw)
    return re.sub(r"</?p>", "", text).strip()


def _cells(line: str) -> list[_Cell]:
    cells = []
    for pos, raw in enumerate(line.split("\t")):
        text = _clean(raw)
        if text:
            cells.append(_Cell(pos, text, _SPACES.sub("", text)))
    return cells


def _is_noise(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped == WATERMARK or bool(_RULE.match(stripped))


def _fund_key(key: str) -> str:
    return key.replace("（", "(").replace("）", ")").replace(":", "").replace("：", "")


def _split_label(key: str, labels: Iterable[str]) -> tuple[str, str] | None:
    """'填报日期：2021…' → ('填报日期', '2021…') for the first label the key starts with."""
    for label in labels:
        if key.startswith(label):
            return label, key[len(label) :].lstrip(":：")
    return None


def _level_of(key: str) -> tuple[str, str, str] | None:
    """Recognise an indicator level name: ("l1", label, "") or ("l2", label, base)."""
    if key in _LEVEL1:
        return "l1", key, ""
    if key in _LEVEL2_IRREGULAR:
        return "l2", key, key
    for base in _LEVEL2_PARENT:
        minimum = len(base) if base in _SUFFIX_OPTIONAL else len(base) + 1
        if len(key) >= minimum and f"{base}指标".startswith(key):
            return "l2", key, base
    return None


def _split_levels(key: str) -> list[tuple[str, str, str]]:
    """Level names run together in one cell ('可持续影响指服务对象满意度指标') → each of them, or []."""
    for cut in range(len(key) - 1, 1, -1):
        head = _level_of(key[:cut])
        if head:
            rest = _level_of(key[cut:])
            tail = [rest] if rest else _split_levels(key[cut:])
            if tail:
                return [head, *tail]
    return []


def _is_title(line: str) -> bool:
    return "\t" not in line.strip() and bool(_TITLE.match(line.strip()))


def parse_target_forms(lines: list[str], *, start: int = 0, end: int | None = None) -> list[ParsedTargetForm]:
    """Parse every 项目支出绩效目标表 whose title line index lies in [start, end); line numbers stay 1-based."""
    stop = len(lines) if end is None else min(end, len(lines))
    titles = [i for i in range(start, stop) if _is_title(lines[i])]
    forms = []
    for n, title_index in enumerate(titles):
        body_end = titles[n + 1] if n + 1 < len(titles) else stop
        rows = [_Row(i + 1, _cells(lines[i])) for i in range(title_index + 1, body_end) if not _is_noise(lines[i])]
        forms.append(_FormParser(title_index + 1, lines[title_index].strip(), rows).parse())
    return forms


class _FormParser:
    """Reads one form section by section: head → funds → texts → goals → grid → footer."""

    def __init__(self, line: int, title: str, rows: list[_Row]):
        self.form = ParsedTargetForm(line=line, title=title, year_label="", project_name="")
        self.rows = rows
        self.fiscal_year: int | None = None

    def warn(self, line: int | None, message: str, cell: str = "") -> None:
        self.form.issues.append(ImportIssue(line, message, "warning", cell))

    def parse(self) -> ParsedTargetForm:
        rows = self.rows
        if rows and len(rows[0].cells) == 1 and (year := _YEAR.match(rows[0].cells[0].key)):
            self.form.year_label = rows[0].cells[0].text
            self.fiscal_year = int(year.group(1))
            rows = rows[1:]
        else:
            self.warn(self.form.line, "表名后未找到“(YYYY年度)”年度标注", "年度")

        sections: dict[str, list[_Row]] = {"head": [], "funds": [], "texts": [], "goals": [], "grid": []}
        footer: list[_Row] = []
        section = "head"
        for index, row in enumerate(rows):
            section = self._section_of(row, section)
            if section == "footer":
                footer = [row]
                following = rows[index + 1] if index + 1 < len(rows) else None
                if following and not self._footer_has_date(row) and self._footer_has_date(following):
                    footer.append(following)
                break
            sections[section].append(row)

        self._parse_head(sections["head"])
        self._parse_funds(sections["funds"])
        self._parse_texts(sections["texts"])
        self._parse_goals(sections["goals"])
        self._parse_grid(sections["grid"])
        self._parse_footer(footer)
        return self.form

    # -- sectioning -------------------------------------------------------------------------------------------

    @staticmethod
    def _footer_has_date(row: _Row) -> bool:
        return any(cell.key.startswith("填报日期") for cell in row.cells)

    @staticmethod
    def _section_of(row: _Row, current: str) -> str:
        keys = [cell.key for cell in row.cells]
        first = keys[0]
        if current not in ("head", "funds") and any(k.startswith(("负责人", "填报日期")) for k in keys):
            return "footer"
        if current == "grid" or "一级指标" in keys or "三级指标" in keys:
            return "grid"
        if current == "goals" or any(k in _GOAL_LABELS for k in keys):
            return "goals"
        if first in _TEXT_FIELDS:
            return "texts"
        if current == "texts":
            return "texts"
        is_funds = first.startswith("项目资金") or _FUND_UNIT.match(_fund_key(first))
        if is_funds or any(_split_label(_fund_key(k), _FUND_LABELS) for k in keys):
            return "funds"
        return current

    # -- header fields ----------------------------------------------------------------------------------------

    def _parse_head(self, rows: list[_Row]) -> None:
        records: list[tuple[str, int, list[_Cell]]] = []  # (field, line, value cells)
        for row in rows:
            field_name = _HEAD_FIELDS.get(row.cells[0].key)
            if field_name:
                records.append((field_name, row.line, row.cells[1:]))
            elif records:  # a cell wrapped onto the next line (001 慰问款 “项目期” → “99年”)
                records[-1][2].extend(row.cells)
            else:
                self.warn(row.line, f"表头前有无法识别的行“{_row_text(row)}”，已忽略")
        for field_name, line, cells in records:
            second = _HEAD_SECOND.get(field_name)
            first_values, second_values, seen_second = [], [], False
            for cell in cells:
                split = _split_label(cell.key, second[0]) if second else None
                if split:
                    seen_second = True
                    if split[1]:
                        second_values.append(_after_label(cell.text, split[0]))
                else:
                    (second_values if seen_second else first_values).append(cell.text)
            if second and not seen_second and len(first_values) == 2:
                label = second[0][0]
                self.warn(line, f"缺少“{label}”标签，按位置将“{first_values[1]}”读作{label}", label)
                second_values = [first_values.pop()]
            setattr(self.form, field_name, self._single(first_values, line, field_name))
            if second:
                setattr(self.form, second[1], self._single(second_values, line, second[1]))
        if not self.form.project_name:
            self.form.issues.append(ImportIssue(self.form.line, "未读到项目名称", "error", "项目名称"))

    def _single(self, values: list[str], line: int, field_name: str) -> str:
        if len(values) > 1:
            label = _FIELD_LABELS[field_name]
            self.warn(line, f"“{label}”有多个单元格“{'”“'.join(values)}”，已按顺序连接", label)
        return "".join(values)

    # -- 项目资金 ----------------------------------------------------------------------------------------------

    def _parse_funds(self, rows: list[_Row]) -> None:
        unit = ""
        amounts: list[tuple[int, str, str, str]] = []  # (line, period, field, amount text)
        for row in rows:
            seen: set[str] = set()
            cells = row.cells
            i = 0
            while i < len(cells):
                key = _fund_key(cells[i].key)
                unit_match = _FUND_UNIT.match(key)
                split = _split_label(key, _FUND_LABELS)
                if unit_match or key == "项目资金":
                    unit = unit_match.group(1) if unit_match else unit
                elif split:
                    label, rest = split
                    period, field_name = _FUND_LABELS[label]
                    if period is None:
                        period = "annual" if field_name in seen else "period"
                        seen.add(field_name)
                    if not rest and i + 1 < len(cells) and not self._is_fund_label(cells[i + 1].key):
                        i += 1
                        rest = cells[i].text
                    amounts.append((row.line, period, field_name, rest))
                else:
                    self.warn(row.line, f"项目资金栏中无法识别的单元格“{cells[i].text}”，已忽略", "项目资金")
                i += 1
        if not rows:
            self.warn(None, f"“{self.form.project_name}”未找到项目资金栏", "项目资金")
        parsed = []
        for line, period, field_name, text in amounts:
            try:
                value = parse_amount(text)
            except AmountError as exc:
                self.warn(line, f"{exc}，按空白处理", "项目资金")
                value = None
            funds = self.form.funds_period if period == "period" else self.form.funds_annual
            setattr(funds, field_name, value)
            parsed.append((line, text, value))
        self.form.funds_unit = "元"
        if unit == "万元":
            yuan_like = [(line, text) for line, text, value in parsed if value is not None and value >= 1000]
            if yuan_like:  # Q20: the label says 万元 but the amounts are 元 (form amounts are always 元)
                line, text = yuan_like[0]
                self.warn(line, f"项目资金单位印为“(万元)”，但金额“{text}”为元，按元读取", "项目资金")
            else:
                self.form.funds_unit = "万元"

    @staticmethod
    def _is_fund_label(key: str) -> bool:
        key = _fund_key(key)
        return bool(_split_label(key, _FUND_LABELS) or _FUND_UNIT.match(key) or key == "项目资金")

    # -- narrative cells --------------------------------------------------------------------------------------

    def _parse_texts(self, rows: list[_Row]) -> None:
        current: str | None = None
        for row in rows:
            field_name = _TEXT_FIELDS.get(row.cells[0].key)
            cells = row.cells[1:] if field_name else row.cells
            if field_name:
                current = field_name
            elif current is None:
                self.warn(row.line, f"无法识别的行“{_row_text(row)}”，已忽略")
                continue
            if len(cells) > 1:
                label = _FIELD_LABELS[current]
                self.warn(row.line, f"“{label}”有多个单元格，已按顺序连接", label)
            # A long cell wrapped onto following lines is joined back without a separator.
            setattr(self.form, current, getattr(self.form, current) + "".join(cell.text for cell in cells))

    # -- 总体目标 ----------------------------------------------------------------------------------------------

    def _parse_goals(self, rows: list[_Row]) -> None:
        period_pos = annual_pos = None
        texts: list[tuple[int, _Cell]] = []
        for row in rows:
            for cell in row.cells:
                if cell.key in _GOAL_PERIOD:
                    period_pos = cell.pos
                elif cell.key in _GOAL_ANNUAL:
                    annual_pos = cell.pos
                elif cell.key != "总体目标":
                    texts.append((row.line, cell))
        if not rows:
            self.warn(None, f"“{self.form.project_name}”未找到总体目标", "总体目标")
            return
        if len(texts) == 1:
            line, cell = texts[0]
            # One goal only: it belongs to the nearer column header (ties → 实施期).
            to_annual = (
                period_pos is not None
                and annual_pos is not None
                and abs(cell.pos - annual_pos) < abs(cell.pos - period_pos)
            )
            self.warn(line, f"总体目标只有一栏，读作{'年度目标' if to_annual else '实施期目标'}", "总体目标")
            if to_annual:
                self.form.goal_annual = cell.text
            else:
                self.form.goal_period = cell.text
            return
        if len(texts) > 2:
            extra = "”“".join(cell.text for _, cell in texts[2:])
            self.warn(texts[2][0], f"总体目标多出单元格“{extra}”，已忽略", "总体目标")
        if texts:
            self.form.goal_period = texts[0][1].text
            self.form.goal_annual = texts[1][1].text

    # -- 绩效指标 ----------------------------------------------------------------------------------------------

    def _parse_grid(self, rows: list[_Row]) -> None:
        if not rows:
            self.form.issues.append(
                ImportIssue(None, f"“{self.form.project_name}”未找到绩效指标表", "error", "绩效指标")
            )
            return
        state = _GridState()
        has_annual = True
        period_only: list[ParsedIndicator] = []  # 实施期-only rows waiting for a repeated 年度 copy
        copies = 0
        for row in rows:
            cells = list(row.cells)
            if cells[0].pos == 0 and cells[0].key in "绩效指标":  # the vertical “绩效指标” label, maybe split
                cells = cells[1:]
            if not cells:
                continue
            keys = [cell.key for cell in cells]
            if "一级指标" in keys or "三级指标" in keys:  # column header, possibly preceded by the first labels
                has_annual = keys.count("二级指标") > 1
                if not has_annual:
                    self.warn(row.line, "绩效指标表头只有实施期一栏", "绩效指标")
                first = keys.index("一级指标") if "一级指标" in keys else keys.index("二级指标")
                for token in self._tokens(cells[:first], row.line):
                    if token.level == "l1":
                        state.level1 = [token.label, token.label]
                    elif token.level == "l2":
                        state.level2 = [token.label, token.label]
                continue
            indicators = self._grid_row(row.line, cells, state)
            if not has_annual and len(indicators) == 1 and indicators[0].period == "period":
                # 001 技能比武: the 年度 half was extracted as a repeat of the 实施期 rows below a one-half header.
                indicator = indicators[0]
                original = period_only[copies] if copies < len(period_only) else None
                if original and (original.name, original.value) == (indicator.name, indicator.value):
                    if copies == 0:
                        self.warn(row.line, "年度列缺失，与实施期相同的重复行按年度指标读取", "绩效指标")
                    copies += 1
                    indicator.period, indicator.level1, indicator.level2 = "annual", original.level1, original.level2
                else:
                    period_only.append(indicator)
            self.form.indicators.extend(indicators)
        for indicator in self.form.indicators:
            if not (indicator.level1 and indicator.level2):
                period = "实施期" if indicator.period == "period" else "年度"
                self.warn(indicator.line, f"{period}指标“{indicator.name}”缺少一级或二级指标", "绩效指标")
        if not self.form.indicators:
            self.warn(rows[0].line, "绩效指标表中没有读到任何三级指标", "绩效指标")

    def _tokens(self, cells: list[_Cell], line: int) -> list[_Token]:
        tokens = []
        for cell in cells:
            level = _level_of(cell.key)
            if level is None and (parts := _split_levels(cell.key)):
                names = "”“".join(label for _, label, _ in parts)
                self.warn(
                    line, f"单元格“{cell.text}”含多个指标级别名称（“{names}”），按“{parts[0][1]}”读取", "绩效指标"
                )
                level = parts[0]
            tokens.append(_Token(cell, *level) if level else _Token(cell))
        return tokens

    def _grid_row(self, line: int, cells: list[_Cell], state: _GridState) -> list[ParsedIndicator]:
        tokens = self._tokens(cells, line)
        if len(tokens) >= 5 and all(t.level for t in tokens) and len({t.cell.key for t in tokens}) == 1:
            self.warn(line, f"异常行：{len(tokens)}个单元格均为“{tokens[0].cell.text}”，已忽略", "绩效指标")
            return []
        slots: dict[str, _Token] = {}
        content: list[list[_Token]] = [[], []]
        for token, action in zip(tokens, _align(tokens), strict=True):
            if action == "dup":
                if token.level is None:
                    self.warn(line, f"单元格“{token.cell.text}”重复印了两次，已合并", "绩效指标")
            elif action == "extra":
                self.warn(line, f"绩效指标行中多余的单元格“{token.cell.text}”，已忽略", "绩效指标")
            elif _SLOTS[action] in ("a", "b"):
                content[_SLOTS[action] == "b"].append(token)
            else:
                slots[_SLOTS[action]] = token

        level1 = slots.get("l1")
        if level1 is not None and level1.level == "l2":  # Q13: a 二级 name in the 一级 column
            self.warn(line, f"二级指标“{level1.label}”印在一级指标栏，按二级指标读取", "绩效指标")
            slots.setdefault("l2a", level1)
            level1 = None
        printed_l2 = [slots.get("l2a"), slots.get("l2b")]
        printed_l1 = [level1, slots.get("l1b") or level1]
        indicators = []
        for half in (0, 1):
            # A half without its own 二级 label takes the other half's label of the same row, else the carried one.
            l2_token = printed_l2[half] or printed_l2[1 - half]
            level2 = l2_token.label if l2_token else state.level2[half]
            parent = _LEVEL2_PARENT.get(l2_token.base, "") if l2_token else ""
            if printed_l1[half]:
                level1_label = printed_l1[half].label
                if parent and parent != level1_label and half == 0:
                    self.warn(line, f"二级指标“{level2}”不属于一级指标“{level1_label}”，按原样保留", "绩效指标")
            else:  # an unprinted 一级 follows the printed 二级 (labels are centred in their block), else carries down
                level1_label = parent or state.level1[half]
            if l2_token and l2_token.base in _LEVEL2_IRREGULAR and half == 0:
                self.warn(line, f"不规范的二级指标名称“{level2}”，按原样保留", "绩效指标")
            if level2 and state.pending[half]:  # rows printed above their vertically centred label
                for indicator in state.pending[half]:
                    indicator.level2 = level2
                    indicator.level1 = indicator.level1 or level1_label
                state.pending[half] = []
            state.level1[half], state.level2[half] = level1_label, level2

            indicator = self._indicator(line, half, content[half], level1_label, level2)
            if indicator:
                if not level2:
                    state.pending[half].append(indicator)
                indicators.append(indicator)
        return indicators

    def _indicator(
        self, line: int, half: int, tokens: list[_Token], level1: str, level2: str
    ) -> ParsedIndicator | None:
        if not tokens:
            return None  # a 二级 row without 三级 (经济效益 / 生态效益 template rows) is not an indicator
        period = ("实施期", "年度")[half]
        if all(token.level for token in tokens):
            texts = "”“".join(token.cell.text for token in tokens)
            self.warn(line, f"{period}三级指标栏只有指标级别名称“{texts}”，已忽略", "绩效指标")
            return None
        if len(tokens) == 2:
            name, value = tokens[0].cell.text, tokens[1].cell.text
        elif _VALUE_LIKE.match(tokens[0].cell.key):
            name, value = "", tokens[0].cell.text
            self.warn(line, f"{period}指标值“{value}”没有三级指标名称", "绩效指标")
        else:
            name, value = tokens[0].cell.text, ""
            self.warn(line, f"{period}三级指标“{name}”的指标值为空", "绩效指标")
        return ParsedIndicator(("period", "annual")[half], level1, level2, name, value, line)

    # -- footer -----------------------------------------------------------------------------------------------

    def _parse_footer(self, rows: list[_Row]) -> None:
        if not rows:
            self.warn(None, f"“{self.form.project_name}”未找到负责人/填报日期栏", "填报日期")
            return
        values: dict[str, list[str]] = {}
        current = None
        for row in rows:
            for cell in row.cells:
                split = _split_label(cell.key, _FOOTER)
                if split:
                    current = _FOOTER[split[0]]
                    values[current] = [_after_label(cell.text, split[0])]
                elif current:
                    values[current].append(cell.text)
                else:
                    self.warn(row.line, f"签字栏中无法识别的单元格“{cell.text}”，已忽略", "签字栏")
        for name, parts in values.items():
            setattr(self.form, name, self._single([p for p in parts if p], rows[0].line, name))
        self._check_fill_date(rows[-1].line)

    def _check_fill_date(self, line: int) -> None:
        raw = self.form.filled_at
        digits = _SPACES.sub("", raw)
        if not raw:
            self.warn(line, "缺少填报日期", "填报日期")
            return
        if not re.fullmatch(r"\d{14}", digits):
            self.warn(line, f"填报日期“{raw}”不是14位数字（YYYYMMDDhhmmss），按原样保留", "填报日期")
            return
        try:
            filled = datetime.strptime(digits, "%Y%m%d%H%M%S")
        except ValueError:
            self.warn(line, f"填报日期“{raw}”不是有效的日期时间", "填报日期")
            return
        # Targets are filed while the budget is prepared: from the previous year to mid fiscal year at the latest.
        year = self.fiscal_year
        if year and not datetime(year - 1, 1, 1) <= filled < datetime(year, 7, 1):
            self.warn(line, f"填报日期“{raw}”不在{year}年度预算编制期内，可能有误", "填报日期")


def _align(tokens: list[_Token]) -> list:
    """Cheapest assignment of a row's cells to _SLOTS (slot index), "dup" or "extra", in printed order."""
    states: dict[int, tuple[float, list]] = {0: (0.0, [])}
    for i, token in enumerate(tokens):
        options: list[tuple[int, float, list]] = []  # (next free slot, cost, actions)
        for slot, (cost, actions) in states.items():
            for target in range(slot, len(_SLOTS)):
                price = _slot_cost(_SLOTS[target], tokens, i)
                if price is not None:  # 0.01 × slot: among equal readings prefer the earlier columns
                    options.append((target + 1, cost + price + 0.01 * target, [*actions, target]))
            if i and token.cell.key == tokens[i - 1].cell.key:
                options.append((slot, cost + _COST_DUP, [*actions, "dup"]))
            options.append((slot, cost + _COST_EXTRA, [*actions, "extra"]))
        states = {}
        for slot, cost, actions in options:
            if slot not in states or cost < states[slot][0]:
                states[slot] = (cost, actions)
    return min(states.values(), key=lambda state: state[0])[1]


def _slot_cost(slot: str, tokens: list[_Token], i: int) -> float | None:
    token = tokens[i]
    if slot == "l1":
        return {"l1": 0.0, "l2": _COST_L2_IN_L1}.get(token.level)
    if slot in ("l2a", "l2b"):
        return 0.0 if token.level == "l2" else None
    if slot == "l1b":
        return _COST_L1B if token.level == "l1" else None
    if token.level is None:
        return 0.0
    # A 三级 name equal to its 二级 name is only read as such when an 指标值 follows it.
    previous_l2 = next((t for t in reversed(tokens[:i]) if t.level == "l2"), None)
    followed_by_value = i + 1 < len(tokens) and tokens[i + 1].level is None
    same = previous_l2 is not None and token.level == "l2" and previous_l2.base == token.base
    return _COST_LABEL_AS_NAME if same and followed_by_value else None


def _after_label(text: str, label: str) -> str:
    """'填报日期： 202601081 70151' → '202601081 70151' (the value keeps its printed blanks)."""
    return re.sub(r"^\s*" + r"\s*".join(label) + r"\s*[:：]?\s*", "", text)


def _row_text(row: _Row) -> str:
    return " ".join(cell.text for cell in row.cells)[:60]


def parse_targets_document(text: str) -> ParsedDocument:
    """A file holding only target forms (000): one department, fiscal year from the forms' (YYYY年度)."""
    lines = text.split("\n")
    forms = parse_target_forms(lines)
    issues: list[ImportIssue] = []
    if not forms:
        raise ValueError("未找到“项目支出绩效目标(申报)表”，文件不是绩效目标表")
    years = {match.group(1) for form in forms if (match := _YEAR.match(_SPACES.sub("", form.year_label)))}
    if not years:
        raise ValueError("绩效目标表未印“(YYYY年度)”，无法确定年度")
    if len(years) > 1:
        issues.append(ImportIssue(None, f"各表年度不一致：{'、'.join(sorted(years))}，取最早年度", "warning", "年度"))
    departments = {form.department_label for form in forms if form.department_label}
    if len(departments) > 1:
        issues.append(
            ImportIssue(None, f"各表主管部门不一致：{'、'.join(sorted(departments))}", "warning", "主管部门及代码")
        )
    match = _DEPARTMENT.match(forms[0].department_label)
    if not match:
        raise ValueError(f"无法从“{forms[0].department_label}”读出主管部门代码和名称")
    code, name = match.group(1), match.group(2).strip()
    region, level, province = region_of(name)
    if not province:
        issues.append(ImportIssue(None, f"无法确定“{name}”所属省份", "warning", "主管部门及代码"))
    return ParsedDocument(
        kind="targets",
        fiscal_year=int(min(years)),
        department_code=code,
        department_name=name,
        unit_code=f"{code}001",
        unit_name=forms[0].implementing_unit or name,
        region=region,
        region_level=level,
        province=province,
        title=forms[0].title,
        target_forms=forms,
        issues=issues,
        lines_read=len(lines),
    )
