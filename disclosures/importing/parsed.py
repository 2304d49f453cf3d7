"""解析结果 — plain data produced by the text parsers, consumed by the loader.

Parsers never touch the database: they turn one document's text into a ParsedDocument.
The loader (disclosures.importing.loader) maps it onto the models inside one transaction.

Conventions
- ``line`` is the 1-based line number in the source file (after nothing: parsers must keep
  the original numbering even when they drop watermark lines or join wrapped cells).
- Amounts are Decimal in the unit the document prints (``unit`` says which: "万元" or "元");
  None means the cell was blank. The loader converts to 元.
- Texts are kept exactly as printed (after collapsing extraction noise such as doubled text).
"""

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class ImportIssue:
    """A place the parser could not read cleanly. severity: "error" stops the import, "warning" is reported."""

    line: int | None
    message: str  # Chinese, names what was wrong and what was done about it
    severity: str = "warning"
    cell: str = ""  # e.g. "表2 第3列" or "年度资金总额"


@dataclass
class SourceRow:
    line: int
    cells: list[str]  # as printed, one string per column (blank cells are "")


@dataclass
class ParsedTable:
    """One official table as printed. ``key`` is budget_01..budget_13, final_01..final_10 or targets_compact."""

    key: str
    title: str
    line: int
    label: str = ""  # e.g. "预算公开表1", "公开01表"
    unit_label: str = ""  # e.g. "万元"
    header_rows: list[list[str]] = field(default_factory=list)
    rows: list[SourceRow] = field(default_factory=list)
    empty_note: str = ""  # "注：本表无数据" / "说明：本表无数据" when printed
    notes: list[str] = field(default_factory=list)  # footnotes such as 注：本套报表因取数时四舍五入…


@dataclass
class ParsedSection:
    """A narrative section. part: overview | narrative | glossary | other | attachment."""

    part: str
    heading: str  # as printed, e.g. "一、本单位职责" or "（一）政府购买服务指导性目录"
    body: str  # paragraphs joined with "\n"
    line: int
    level: int = 1  # 1 for 一、…, 2 for （一）…


@dataclass
class ParsedIndicator:
    """One 三级 indicator row. period: "period" (实施期) | "annual" (年度)."""

    period: str
    level1: str  # as printed (产出指标 / 效益指标 / 满意度指标 / 成本指标 …), carried down from merged cells
    level2: str  # as printed (数量指标 / 社会效益 …), carried down
    name: str  # 三级指标
    value: str  # 指标值 exactly as printed ("" when blank)
    line: int


@dataclass
class ParsedFunds:
    """项目资金 block for one period. Amounts in the form's unit (元 in 000/001/002)."""

    total: Decimal | None = None
    central: Decimal | None = None
    provincial: Decimal | None = None
    local: Decimal | None = None  # 市县(区)财政资金
    self_raised: Decimal | None = None  # 单位自筹
    other: Decimal | None = None


@dataclass
class ParsedTargetForm:
    """项目支出绩效目标表 (申报表) as printed."""

    line: int
    title: str  # e.g. 晋城市市级预算部门（单位）项目支出绩效目标表
    year_label: str  # e.g. (2026年度)
    project_name: str
    department_label: str = ""  # 主管部门及代码 as printed: 222-晋城市应急管理局
    implementing_unit: str = ""
    attribute: str = ""  # 项目属性
    period_label: str = ""  # 项目期 (99年 / 3年)
    funds_unit: str = "元"
    funds_period: ParsedFunds = field(default_factory=ParsedFunds)  # 实施期
    funds_annual: ParsedFunds = field(default_factory=ParsedFunds)  # 年度
    overview: str = ""  # 项目概况
    basis: str = ""  # 立项依据
    necessity: str = ""  # 项目设立必要性
    safeguards: str = ""  # 保证项目实施的制度、措施
    plan: str = ""  # 项目实施计划
    goal_period: str = ""  # 总体目标 实施期目标
    goal_annual: str = ""  # 总体目标 年度目标
    indicators: list[ParsedIndicator] = field(default_factory=list)
    responsible: str = ""  # 负责人
    handler: str = ""  # 经办人
    phone: str = ""  # 联系电话
    filled_at: str = ""  # 填报日期 as printed
    amount: Decimal | None = None  # compact variant (004): 金额 in 万元
    code: str = ""  # compact variant: the row number / code cell
    issues: list[ImportIssue] = field(default_factory=list)


@dataclass
class ParsedResult:
    """One indicator row of a 绩效自评表."""

    level1: str
    level2: str
    name: str
    initial_value: str  # 年初指标值
    adjusted_value: str  # 调整后指标值
    actual_value: str  # 实际完成值
    weight: Decimal | None  # 分值
    score: Decimal | None  # 得分
    deviation: str  # 偏差原因分析及改进措施
    line: int


@dataclass
class ParsedEvalFunds:
    """One row of 项目资金预算安排及执行进度 (万元). label: 资金总额 / 市县区财政资金 / …"""

    label: str
    initial_declared: Decimal | None = None  # 年初预算数 目标申报数 (or the single 年初预算数)
    initial_budgeted: Decimal | None = None  # 年初预算数 预算编制数
    full_year_budget: Decimal | None = None  # 全年预算数
    executed: Decimal | None = None  # 全年执行数
    balance: Decimal | None = None  # 资金结(转)余
    execution_rate: Decimal | None = None  # 执行率 (percent)
    weight: Decimal | None = None  # 分值
    score: Decimal | None = None  # 得分
    deviation: str = ""
    line: int = 0


@dataclass
class ParsedSelfEvaluation:
    """项目支出绩效自评表 as printed (003)."""

    line: int
    title: str
    year_label: str
    project_name: str
    department_label: str = ""  # 222-晋城市应急管理局
    unit_label: str = ""  # 预算单位 222001-晋城市应急管理局
    funds: list[ParsedEvalFunds] = field(default_factory=list)
    annual_goal: str = ""
    actual_result: str = ""  # 实际完成情况
    results: list[ParsedResult] = field(default_factory=list)
    total_score: Decimal | None = None
    grade: str = ""
    analysis: list[tuple[str, str]] = field(default_factory=list)  # (heading, text) of 项目绩效分析 items, in order
    issues: list[ImportIssue] = field(default_factory=list)


@dataclass
class ParsedDocument:
    """Everything one source file holds. kind: budget | final | targets | targets_compact."""

    kind: str
    fiscal_year: int
    department_code: str  # 222
    department_name: str  # 晋城市应急管理局
    unit_code: str = ""  # 222001 (derived as dept code + "001" when the document does not print it)
    unit_name: str = ""
    region: str = ""  # 晋城市 / 大同市 / 晋中市 / 门源县
    region_level: str = ""  # province | city | county
    province: str = ""  # 山西省 / 青海省
    title: str = ""  # cover title, e.g. 2026年度单位预算公开
    tables: list[ParsedTable] = field(default_factory=list)
    sections: list[ParsedSection] = field(default_factory=list)
    target_forms: list[ParsedTargetForm] = field(default_factory=list)
    self_evaluations: list[ParsedSelfEvaluation] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    lines_read: int = 0
