"""数据字典 — the data-dictionary page: every field of the JSON export and the API, and every official table's
columns (generated from tablespecs.py, so the page cannot drift from the tables), linked to the 名词解释 terms
that the published documents of that kind define.
"""

import re
from dataclasses import dataclass, field
from functools import cached_property

from django.shortcuts import render
from django.views.decorators.http import require_GET

from disclosures.api import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from disclosures.exports import FORMAT_VERSION
from disclosures.facts import EconomicFacts, FunctionFacts
from disclosures.models import Disclosure, Section
from disclosures.tablespecs import DisclosureData, Table, table_builders
from disclosures.templatetags.disclosure_tags import column_numbers

YEAR_PLACEHOLDER = "××××"  # the fiscal year in headers such as “××××年预算数”
COLUMN_KINDS = {
    "amount": "金额：万元，两位小数",
    "count": "数量：整数",
    "text": "文字",
    "code": "科目编码",
    "rowno": "行次",
}


class SpecData(DisclosureData):
    """A disclosure with no facts: the builders then give each table's title and columns, and no figures."""

    def __init__(self, kind: str):
        self.disclosure = Disclosure(kind=kind)
        self.year = YEAR_PLACEHOLDER

    catalogue = cached_property(lambda self: {})
    functions = cached_property(lambda self: FunctionFacts([], {}))
    economic = cached_property(lambda self: EconomicFacts([]))
    economic_catalogue = cached_property(lambda self: [])
    balances = cached_property(lambda self: [])
    three_public = cached_property(lambda self: [])
    operating_costs = cached_property(lambda self: [])
    projects = cached_property(lambda self: [])
    revenues = cached_property(lambda self: [])
    vehicles = cached_property(lambda self: {})
    procurement = cached_property(lambda self: None)
    assets = cached_property(lambda self: None)
    unit_name = department_name = ""


def spec_tables(kind: str) -> list[Table]:
    data = SpecData(kind)
    return [builder(data) for builder in table_builders(kind)]


# ---------------------------------------------------------------- glossary terms


_NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十百]+、|\d+[.、．]|[（(][一二三四五六七八九十\d]+[)）])\s*")
_IGNORED = re.compile(r"[\s“”\"‘’'「」：:]")


def normalise(text: str) -> str:
    """“三公”经费 → 三公经费: no quotes, spaces or colons, so a term matches however a label quotes it."""
    return _IGNORED.sub("", text)


@dataclass
class Term:
    name: str  # as the document prints it, without its numbering: “三公”经费
    body: str
    anchor: str
    key: str  # normalised, for matching

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.splitlines() if p.strip()]


def glossary_terms(kind: str) -> tuple[Disclosure | None, list[Term]]:
    """名词解释 of the latest published disclosure of this kind that has one (two queries)."""
    disclosure = (
        Disclosure.objects.published()
        .with_unit()
        .filter(kind=kind, sections__part=Section.Part.GLOSSARY)
        .order_by("-fiscal_year", "-published_at", "-pk")
        .first()
    )
    if disclosure is None:
        return None, []
    terms = []
    for section in disclosure.sections.filter(part=Section.Part.GLOSSARY).order_by("order"):
        name = _NUMBERING.sub("", section.heading).strip().rstrip("：:")
        if normalise(name):
            terms.append(Term(name, section.body, f"term-{kind}-{len(terms) + 1}", normalise(name)))
    return disclosure, terms


def terms_in(text: str, terms: list[Term]) -> list[Term]:
    """Terms found in a label, longest first and without overlaps (上年结转安排 → 上年结转; 一般公共预算财政拨款
    → 一般公共预算 + 财政拨款), in the order they appear."""
    key = normalise(text)
    taken = [False] * len(key)
    found: list[tuple[int, Term]] = []
    for term in sorted(terms, key=lambda t: -len(t.key)):
        start = key.find(term.key)
        while start != -1:
            end = start + len(term.key)
            if not any(taken[start:end]):
                taken[start:end] = [True] * (end - start)
                found.append((start, term))
                break
            start = key.find(term.key, start + 1)
    return [term for _, term in sorted(found, key=lambda pair: pair[0])]


# ---------------------------------------------------------------- tables


@dataclass
class ColumnDoc:
    header: str
    path: tuple[str, ...]
    number: str
    kind: str
    key: str
    terms: list[Term]


@dataclass
class TableDoc:
    key: str
    label: str
    title: str
    unit: str
    numbered: bool
    columns: list[ColumnDoc]
    terms: list[Term]  # found in the title, the header groups and the fixed row labels
    notes: list[str] = field(default_factory=list)


@dataclass
class KindDoc:
    kind: str
    label: str
    tables: list[TableDoc]
    terms: list[Term]
    source: Disclosure | None


def _unique(terms: list[Term]) -> list[Term]:
    return list({term.anchor: term for term in terms}.values())


def kind_doc(kind: str) -> KindDoc:
    """Each column is linked to the terms in its own (lowest) header label; the terms in the table title, in the
    header groups above the columns and in the fixed row labels (年初结转和结余, 结余分配…) go with the table."""
    source, terms = glossary_terms(kind)
    tables = []
    for table in spec_tables(kind):
        numbers = column_numbers(table.columns) if table.numbered else [""] * len(table.columns)
        columns = [
            ColumnDoc(
                "/".join(c.path), c.path, number, COLUMN_KINDS.get(c.kind, c.kind), c.key, terms_in(c.path[-1], terms)
            )
            for c, number in zip(table.columns, numbers, strict=True)
        ]
        groups = dict.fromkeys(label for c in table.columns for label in c.path[:-1])
        labels = dict.fromkeys(v for row in table.rows for v in row.cells if isinstance(v, str) and v.strip())
        table_terms = _unique([t for text in (table.title, *groups, *labels) for t in terms_in(text, terms)])
        tables.append(
            TableDoc(table.key, table.label, table.title, table.unit, table.numbered, columns, table_terms, table.notes)
        )
    return KindDoc(kind, Disclosure.Kind(kind).label, tables, terms, source)


# ---------------------------------------------------------------- JSON fields


@dataclass(frozen=True)
class FieldDoc:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class ObjectDoc:
    anchor: str
    title: str
    description: str
    fields: tuple[FieldDoc, ...]


def _f(name: str, type_: str, description: str) -> FieldDoc:
    return FieldDoc(name, type_, description)


AMOUNT_WAN = "字符串或 null"
EXPORT_OBJECTS = (
    ObjectDoc(
        "json-export",
        "导出文件（export_disclosures 命令）",
        "整库导出的外层结构；单个公开的下载和 API 详情直接返回其中的“公开”对象。",
        (
            _f("format", "字符串", "固定为 yjsgk-export"),
            _f("version", "整数", f"结构版本，当前为 {FORMAT_VERSION}；字段只增不改，改动含义时版本加一"),
            _f("disclosures", "数组", "公开对象，见下"),
            _f("forms", "数组", "不属于任何公开的独立绩效目标表（如整批公开的申报表）"),
            _f("self_evaluations", "数组", "不属于任何公开的独立绩效自评表"),
        ),
    ),
    ObjectDoc(
        "json-disclosure",
        "公开（disclosure）",
        "一个单位一个年度的预算公开或决算公开（一个版本）。",
        (
            _f("id", "整数", "编号，用于 /disclosures/<id>/ 和 /api/v1/disclosures/<id>/"),
            _f("fiscal_year", "整数", "年度，如 2026"),
            _f("kind", "字符串", "budget = 单位预算公开；final = 单位决算公开"),
            _f("version", "整数", "版本号；更正后的公开版本号加一"),
            _f("status", "字符串", "状态；公开的数据均为 published"),
            _f("title", "字符串", "标题（可能为空）"),
            _f("unit_code / unit_name", "字符串", "预算单位编码、名称，如 222001 / 晋城市应急管理局"),
            _f("department_code / department", "字符串", "主管部门编码、名称"),
            _f("region", "字符串", "行政区划名称"),
            _f("tables", "数组", "公开报表，按官方顺序（预算表一至表十三，决算公开01表至公开10表），见“报表”"),
            _f(
                "sections",
                "数组",
                "文字部分：part = overview 概况 / narrative 情况说明 / glossary 名词解释 / "
                "other 其他说明 / attachment 附件；level 层级；heading 标题；body 正文（换行分段）",
            ),
            _f("forms", "数组", "附件：项目支出绩效目标表（预算公开）"),
            _f("self_evaluations", "数组", "附件：项目支出绩效自评表（决算公开）"),
        ),
    ),
    ObjectDoc(
        "json-table",
        "报表（table）",
        "一张官方报表，与网页、PDF、CSV、XLSX 中的同一张表逐格一致。",
        (
            _f("key", "字符串", "表键，如 budget_03、final_01；用于表格下载和 API 地址"),
            _f("label / title", "字符串", "表号和表名，如 表三 / 2026年预算支出总表"),
            _f("unit", "字符串", "金额单位，均为 万元"),
            _f("columns[].key", "字符串", "列键"),
            _f("columns[].header", "字符串数组", '多级表头，自上而下，如 ["2026年预算数", "合计"]'),
            _f("columns[].number", "字符串", "栏次（决算表和表十二、表十三印有），没有时为空字符串"),
            _f("rows[].kind", "字符串", "total 合计行 / category 类级科目 / item 明细 / heading 分组标题 / blank 空行"),
            _f("rows[].code", "字符串", "功能分类或经济分类科目编码，非科目行为空字符串"),
            _f("rows[].cells", "数组", "与 columns 一一对应的单元格，见下方“单元格取值”"),
            _f(
                "empty / empty_note",
                "布尔 / 字符串",
                "表中没有任何金额时为 true，并给出表下注明的说明（如“注：本表无数据”）",
            ),
            _f("notes", "字符串数组", "表下注"),
        ),
    ),
    ObjectDoc(
        "json-form",
        "绩效目标表（form）",
        "项目支出绩效目标表；资金以元为单位。",
        (
            _f("id", "整数", "编号，用于 /api/v1/forms/<id>/"),
            _f(
                "fiscal_year / variant / title / year_label / code",
                "整数 / 字符串",
                "年度；样式 standard 标准表、compact 简表；表名；年度标注；编号",
            ),
            _f("project_name / project_line", "字符串 / 字符串或 null", "项目名称；对应的表十二项目名称"),
            _f(
                "department_code / department / department_label / implementing_unit",
                "字符串",
                "主管部门编码、名称、原文中的“主管部门及代码”、实施单位",
            ),
            _f("attribute / period_label", "字符串", "项目属性、项目期"),
            _f(
                "overview / basis / necessity / safeguards / plan",
                "字符串",
                "项目概况、立项依据、设立必要性、保障制度措施、实施计划",
            ),
            _f("goal_period / goal_annual", "字符串", "实施期总体目标、年度总体目标"),
            _f("responsible / handler / phone / filled_at", "字符串", "负责人、经办人、联系电话、填报日期（原文）"),
            _f("funds_unit", "字符串", "固定为 元"),
            _f(
                "funds.period / funds.annual",
                "对象",
                "实施期 / 年度资金：total 总额、central 中央、provincial 省级、"
                "local 市县（区）、self_raised 单位自筹、other 其他；元，两位小数的字符串，未填为 null",
            ),
            _f(
                "indicators[]",
                "数组",
                "绩效指标：period（period 实施期 / annual 年度）、level1 一级指标、level2 二级指标、"
                "level1_label / level2_label 原文、name 三级指标、value 指标值原文",
            ),
            _f(
                "indicators[].parsed",
                "对象",
                "指标值解析：operator 运算符（≥ ≤ = < > ≠ 或空）、number 数值（字符串或 "
                "null）、unit 计量单位、kind（quantity 定量 / qualitative 定性 / date 时间 / range 区间 / text 文字 / "
                "blank 空白）、flags 解析问题",
            ),
        ),
    ),
    ObjectDoc(
        "json-self-evaluation",
        "绩效自评表（self_evaluation）",
        "项目支出绩效自评表；资金以万元为单位，按原表保留三位小数。",
        (
            _f("id / fiscal_year / title / project_name", "整数 / 字符串", "编号、年度、表名、项目名称"),
            _f("department_label / unit_label", "字符串", "主管部门、预算单位（原文）"),
            _f("funds_unit", "字符串", "固定为 万元"),
            _f(
                "funds[]",
                "数组",
                "资金执行：label 资金项目；initial_declared 年初预算数（目标申报数）、initial_budgeted "
                "（预算编制数）、full_year_budget 全年预算数、executed 全年执行数、balance 结（转）余（万元，字符串或 "
                "null）；execution_rate 执行率（%）、weight 分值、score 得分；deviation 偏差原因",
            ),
            _f("annual_goal / actual_result", "字符串", "年度目标、实际完成情况"),
            _f(
                "results[]",
                "数组",
                "指标完成情况：level1、level2、name、initial_value 年初指标值、adjusted_value "
                "调整后指标值、actual_value 实际完成值（均为原文）、weight、score（字符串或 null）、deviation",
            ),
            _f("total_score / grade", "字符串或 null / 字符串", "总分；等级（优、良、中、差）"),
            _f("analysis", "数组", "项目绩效分析，每项为 [标题, 正文]"),
        ),
    ),
)

CELL_VALUES = (
    _f(
        '"3306.81"',
        "字符串",
        "金额，按表中单位（万元）两位小数，无千分位；与官方报表印刷数一致（四舍五入，合计可能有尾差）",
    ),
    _f("null", "null", '空白单元格：原表没有填数。空白不等于零：零记为 "0.00"'),
    _f('"0.00"', "字符串", "零"),
    _f('"——"', "字符串", "不适用（原表印“——”）"),
    _f("12", "整数", "数量（如车辆数，辆；设备数，台/套）"),
    _f('"合计"、"2240101"', "字符串", "文字、科目编码、行次"),
)

API_LIST_FIELDS = (
    _f("count", "整数", "符合条件的总条数"),
    _f("page / page_size / num_pages", "整数", "当前页（从 1 起）、每页条数、总页数"),
    _f("next / previous", "字符串或 null", "下一页 / 上一页的完整地址"),
    _f("results", "数组", "本页数据"),
)


@dataclass(frozen=True)
class EndpointDoc:
    path: str
    description: str
    parameters: tuple[FieldDoc, ...] = ()
    fields: tuple[FieldDoc, ...] = ()


API_ENDPOINTS = (
    EndpointDoc(
        "/api/v1/disclosures/",
        "已公开的预决算公开列表（分页）。",
        (
            _f("fiscal_year", "整数", "年度"),
            _f("kind", "字符串", "budget 或 final"),
            _f("region", "整数或字符串", "行政区划编号或名称（如 晋城市）"),
            _f("department", "整数", "主管部门编号"),
            _f("department_code", "字符串", "主管部门编码（如 222）"),
            _f("current", "1", "只列当前版本：不列已被公开的更正版取代的版本"),
        ),
        (
            _f("id / fiscal_year / kind / kind_label / version / title", "", "见“公开”对象"),
            _f(
                "unit_code / unit_name / department_id / department_code / department / region_id / region",
                "",
                "单位、主管部门、行政区划",
            ),
            _f("published_at", "字符串或 null", "公开时间（ISO 8601，含时区）"),
            _f("supersedes / superseded_by", "整数或 null", "本版更正的原版本编号；取代本版的已公开更正版编号"),
            _f("url / html_url", "字符串", "API 详情地址、网页地址"),
            _f("downloads", "对象", "pdf、csv（ZIP）、xlsx、json 下载地址"),
        ),
    ),
    EndpointDoc("/api/v1/disclosures/<id>/", "一个已公开的公开：完整的“公开”对象（与 JSON 下载相同）。"),
    EndpointDoc("/api/v1/disclosures/<id>/tables/<key>/", "一张报表：“报表”对象；key 见下方各表。"),
    EndpointDoc(
        "/api/v1/projects/",
        "已公开的预算公开中表十二（本年预算）、表十三（上年结转）的项目（分页）。",
        (_f("q", "字符串", "项目名称包含的文字"), _f("fiscal_year", "整数", "年度")),
        (
            _f("id / name", "整数 / 字符串", "项目编号、项目名称"),
            _f("carryover", "布尔", "true = 上年结转（表十三），false = 本年预算（表十二）"),
            _f("category / function_code", "字符串 / 字符串或 null", "项目类别、功能分类科目编码"),
            _f("amounts_unit", "字符串", "固定为 元（表中印万元，这里给出精确到分的元）"),
            _f(
                "amounts",
                "对象",
                "total 合计、general 一般公共预算、gov_fund 政府性基金预算、state_capital "
                "国有资本经营预算、special_account 财政专户管理资金、unit_own 单位资金；字符串或 null（空白）",
            ),
            _f("disclosure", "对象", "所属公开：id、fiscal_year、kind、unit_name、department、url"),
            _f("table", "字符串", "所在报表的表键"),
            _f("form_ids", "整数数组", "对应的绩效目标表编号（/api/v1/forms/<id>/）"),
        ),
    ),
    EndpointDoc(
        "/api/v1/forms/<id>/",
        "一张绩效目标表：“绩效目标表”对象。独立公开的表均可查；附属于公开的表在该公开公开后可查。",
    ),
    EndpointDoc(
        "/api/v1/indicators/",
        "公开的绩效目标表中的绩效指标（分页）。",
        (
            _f("q", "字符串", "三级指标名称或指标值包含的文字"),
            _f("fiscal_year", "整数", "年度"),
            _f("kind / unit / operator", "字符串", "按解析结果筛选：指标值类型、计量单位、运算符"),
        ),
        (
            _f("id / form_id / form_url / project_name / fiscal_year / department / disclosure_id", "", "指标及所属表"),
            _f("period / level1 / level2 / name / value", "字符串", "期间、一级、二级、三级指标、指标值原文"),
            _f("parsed", "对象", "operator、number、unit、kind、flags，见“绩效目标表”"),
        ),
    ),
)


@require_GET
def data_dictionary(request):
    kinds = [kind_doc(kind) for kind in (Disclosure.Kind.BUDGET, Disclosure.Kind.FINAL)]
    return render(
        request,
        "portal/dictionary.html",
        {
            "kinds": kinds,
            "objects": EXPORT_OBJECTS,
            "cell_values": CELL_VALUES,
            "list_fields": API_LIST_FIELDS,
            "endpoints": API_ENDPOINTS,
            "page_size": DEFAULT_PAGE_SIZE,
            "max_page_size": MAX_PAGE_SIZE,
            "year_placeholder": YEAR_PLACEHOLDER,
            "format_version": FORMAT_VERSION,
        },
    )
