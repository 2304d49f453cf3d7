"""预决算公开 — departments, classification catalogues, disclosures and the facts their tables project.

Amounts are stored once, at the finest grain any official table shows, in 元 (see amounts.py).
The official tables (表一–表十三, 公开01–10表) are not models: tablespecs.py projects them from these facts.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from disclosures.amounts import amount_field


class Region(models.Model):
    """行政区划 — where a department sits (省/市/县), so disclosures of several places sit side by side."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省级"
        CITY = "city", "市级"
        COUNTY = "county", "县级"

    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=8, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级区划", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["level", "name"]
        constraints = [models.UniqueConstraint(fields=["name", "level"], name="region_unique_name_level")]

    def __str__(self):
        return self.name


class Department(models.Model):
    """主管部门 — a supervising department with its budget code (222-晋城市应急管理局)."""

    region = models.ForeignKey(Region, verbose_name="行政区划", on_delete=models.PROTECT, related_name="departments")
    code = models.CharField("部门编码", max_length=16)
    name = models.CharField("部门名称", max_length=128)

    class Meta:
        verbose_name = verbose_name_plural = "主管部门"
        ordering = ["region__name", "code"]
        constraints = [models.UniqueConstraint(fields=["region", "code"], name="department_unique_code_in_region")]

    def __str__(self):
        return f"{self.code}-{self.name}"


class BudgetUnit(models.Model):
    """预算单位 — a budget-holding unit under a department (222001-晋城市应急管理局)."""

    department = models.ForeignKey(Department, verbose_name="主管部门", on_delete=models.PROTECT, related_name="units")
    code = models.CharField("单位编码", max_length=16)
    name = models.CharField("单位名称", max_length=128)

    class Meta:
        verbose_name = verbose_name_plural = "预算单位"
        ordering = ["department__code", "code"]
        constraints = [models.UniqueConstraint(fields=["department", "code"], name="unit_unique_code_in_department")]

    def __str__(self):
        return f"{self.code}-{self.name}"


class YearRangeQuerySet(models.QuerySet):
    def for_year(self, fiscal_year: int):
        return self.filter(Q(since_year__isnull=True) | Q(since_year__lte=fiscal_year)).filter(
            Q(until_year__isnull=True) | Q(until_year__gte=fiscal_year)
        )


class FunctionClass(models.Model):
    """支出功能分类科目 — 类 (3 digits) / 款 (5) / 项 (7); names keyed by the fiscal years they apply to."""

    code = models.CharField("科目编码", max_length=7, db_index=True)
    name = models.CharField("科目名称", max_length=128)
    since_year = models.PositiveSmallIntegerField("起始年度", null=True, blank=True)
    until_year = models.PositiveSmallIntegerField("终止年度", null=True, blank=True)
    budget_summary_no = models.PositiveSmallIntegerField(
        "预算收支总表序号", null=True, blank=True, help_text="类 rows printed in 表一/表四 (一…三十)"
    )
    final_summary_no = models.PositiveSmallIntegerField(
        "决算收支总表序号", null=True, blank=True, help_text="类 rows printed in 公开01/公开04 (一…二十六)"
    )

    objects = YearRangeQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "支出功能分类科目"
        ordering = ["code", "since_year"]
        constraints = [
            models.UniqueConstraint(fields=["code", "since_year"], name="function_class_unique_code_since"),
            models.CheckConstraint(condition=Q(code__regex=r"^\d{3}(\d{2}){0,2}$"), name="function_class_code_shape"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def level(self) -> int:
        """1 = 类, 2 = 款, 3 = 项."""
        return {3: 1, 5: 2, 7: 3}[len(self.code)]


class EconomicClass(models.Model):
    """支出经济分类科目 — 部门预算支出经济分类 (301/30101) and 政府预算支出经济分类 (501/50101)."""

    class Scheme(models.TextChoices):
        DEPARTMENT = "department", "部门预算支出经济分类"
        GOVERNMENT = "government", "政府预算支出经济分类"

    scheme = models.CharField("分类体系", max_length=12, choices=Scheme.choices)
    code = models.CharField("科目编码", max_length=5)
    name = models.CharField("科目名称", max_length=64)
    government_class = models.ForeignKey(
        "self",
        verbose_name="对应政府预算经济科目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="department_classes",
        limit_choices_to={"scheme": "government"},
    )
    not_in_basic = models.BooleanField("不列基本支出", default=False, help_text="基本建设类科目：公开06表印“——”")
    since_year = models.PositiveSmallIntegerField("起始年度", null=True, blank=True)
    until_year = models.PositiveSmallIntegerField("终止年度", null=True, blank=True)

    objects = YearRangeQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "支出经济分类科目"
        ordering = ["scheme", "code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code", "since_year"], name="economic_class_unique_code_since")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_category(self) -> bool:
        return len(self.code) == 3


class SourceDocument(models.Model):
    """导入的原始文件 — the text as received, kept for audit and for pointing at source cells."""

    file_name = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    kind = models.CharField("文件类型", max_length=24)
    text = models.TextField("原文")
    report = models.JSONField("导入报告", default=dict, blank=True)
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = verbose_name_plural = "导入文件"
        ordering = ["-imported_at"]

    def __str__(self):
        return self.file_name


class DisclosureQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Disclosure.Status.PUBLISHED)

    def for_year(self, fiscal_year: int):
        return self.filter(fiscal_year=fiscal_year)

    def with_unit(self):
        return self.select_related("unit__department__region")


class Disclosure(models.Model):
    """预决算公开 — one unit's budget or final-accounts disclosure for one fiscal year (one version)."""

    class Kind(models.TextChoices):
        BUDGET = "budget", "单位预算公开"
        FINAL = "final", "单位决算公开"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        RETURNED = "returned", "退回修改"
        APPROVED = "approved", "审核通过"
        PUBLISHED = "published", "已公开"

    unit = models.ForeignKey(BudgetUnit, verbose_name="预算单位", on_delete=models.PROTECT, related_name="disclosures")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    version = models.PositiveSmallIntegerField("版本", default=1)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField("标题", max_length=200, blank=True)
    source_document = models.ForeignKey(
        SourceDocument,
        verbose_name="导入文件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="disclosures",
    )
    supersedes = models.OneToOneField(
        "self", verbose_name="更正的版本", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    correction_note = models.TextField("更正说明", blank=True)
    year_end_carryover = amount_field("年终结转", help_text="预算收支总表中的年终结转")
    revision = models.PositiveIntegerField(
        "数据修订号", default=0, help_text="每次修改数据加一；保存时修订号已变的修改会被拒绝（防止覆盖他人修改）"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = DisclosureQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "预决算公开"
        ordering = ["-fiscal_year", "unit__code", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "fiscal_year", "kind", "version"], name="disclosure_unique_unit_year_kind_version"
            ),
            models.CheckConstraint(condition=Q(fiscal_year__gte=2000, fiscal_year__lte=2100), name="disclosure_year"),
        ]

    def __str__(self):
        return f"{self.unit.name}{self.fiscal_year}年度{self.get_kind_display()}"

    @property
    def department(self) -> Department:
        return self.unit.department

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Fund(models.TextChoices):
    """资金来源 — fund sources; the first three together are 财政拨款."""

    GENERAL = "general", "一般公共预算"
    GOV_FUND = "gov_fund", "政府性基金预算"
    STATE_CAPITAL = "state_capital", "国有资本经营预算"
    SPECIAL_ACCOUNT = "special_account", "财政专户管理资金"
    UNIT_OWN = "unit_own", "单位资金"
    SUPERIOR_SUBSIDY = "superior_subsidy", "上级补助收入"
    BUSINESS = "business", "事业收入"
    OPERATING = "operating", "经营收入"
    AFFILIATED = "affiliated", "附属单位上缴收入"
    OTHER_INCOME = "other_income", "其他收入"
    NON_FISCAL = "non_fiscal", "非财政拨款资金（含结转结余）"


FISCAL_FUNDS = (Fund.GENERAL, Fund.GOV_FUND, Fund.STATE_CAPITAL)


class FunctionLine(models.Model):
    """功能分类金额 — the facts behind every classified table: one 科目 × one fund (× 当年/上年结转).

    Budget disclosures use basic/project (their income by 科目 equals expenditure); final accounts also use
    income and the other expenditure columns. A line on a 类/款 code (or on no code, the 合计 row) with
    ``reported_subtotal`` records a published subtotal that differs from the sum of its parts (尾差).
    """

    disclosure = models.ForeignKey(Disclosure, verbose_name="公开", on_delete=models.CASCADE, related_name="lines")
    function = models.ForeignKey(
        FunctionClass, verbose_name="功能分类科目", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fund = models.CharField("资金来源", max_length=16, choices=Fund.choices)
    carryover = models.BooleanField("上年结转", default=False)
    income = amount_field("收入")
    basic = amount_field("基本支出")
    project = amount_field("项目支出")
    to_superior = amount_field("上缴上级支出")
    operating = amount_field("经营支出")
    affiliated_subsidy = amount_field("对附属单位补助支出")
    opening_balance = amount_field("年初结转和结余")
    closing_balance = amount_field("年末结转和结余")
    reported_subtotal = models.BooleanField("公布的小计", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "功能分类金额"
        ordering = ["function__code", "fund", "carryover"]
        indexes = [
            # The published subtotals (尾差) the portal's totals look up for every line (portal_queries.counted).
            models.Index(
                fields=["disclosure", "fund", "carryover"],
                condition=Q(reported_subtotal=True),
                name="function_line_reported",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["disclosure", "function", "fund", "carryover"],
                condition=Q(function__isnull=False),
                name="function_line_unique",
            ),
            models.UniqueConstraint(
                fields=["disclosure", "fund", "carryover"],
                condition=Q(function__isnull=True),
                name="function_line_total_unique",
            ),
            models.CheckConstraint(
                condition=Q(function__isnull=False) | Q(reported_subtotal=True), name="function_line_total_is_reported"
            ),
        ]

    def __str__(self):
        return f"{self.function.code if self.function else '合计'} {self.get_fund_display()}"


class EconomicLine(models.Model):
    """基本支出经济分类金额 — basic expenditure by 部门预算支出经济分类 款, split 人员经费 / 公用经费."""

    disclosure = models.ForeignKey(
        Disclosure, verbose_name="公开", on_delete=models.CASCADE, related_name="economic_lines"
    )
    economic_class = models.ForeignKey(
        EconomicClass,
        verbose_name="经济分类科目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"scheme": "department"},
    )
    personnel = amount_field("人员经费")
    public = amount_field("公用经费")
    reported_subtotal = models.BooleanField("公布的小计", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "基本支出经济分类金额"
        ordering = ["economic_class__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["disclosure", "economic_class"],
                condition=Q(economic_class__isnull=False),
                name="economic_line_unique",
            ),
            models.UniqueConstraint(
                fields=["disclosure"], condition=Q(economic_class__isnull=True), name="economic_line_total_unique"
            ),
        ]

    def __str__(self):
        return str(self.economic_class or "合计")


class Balance(models.Model):
    """结转结余 — balances and transfers that no 科目 row carries (年初/年末结转和结余 by fund, 结余分配…)."""

    class Item(models.TextChoices):
        OPENING = "opening", "年初结转和结余"
        CLOSING = "closing", "年末结转和结余"
        SURPLUS_USED = "surplus_used", "使用非财政拨款结余和专用结余"
        DISTRIBUTION = "distribution", "结余分配"

    disclosure = models.ForeignKey(Disclosure, verbose_name="公开", on_delete=models.CASCADE, related_name="balances")
    item = models.CharField("项目", max_length=16, choices=Item.choices)
    fund = models.CharField("资金来源", max_length=16, choices=Fund.choices)
    amount = amount_field("金额")

    class Meta:
        verbose_name = verbose_name_plural = "结转结余"
        constraints = [models.UniqueConstraint(fields=["disclosure", "item", "fund"], name="balance_unique")]

    def __str__(self):
        return f"{self.get_item_display()} {self.get_fund_display()}"


class RevenueLine(models.Model):
    """收入科目金额 — 政府性基金 / 国有资本经营 income by 收入科目 (表七, 表九 left half)."""

    disclosure = models.ForeignKey(Disclosure, verbose_name="公开", on_delete=models.CASCADE, related_name="revenues")
    fund = models.CharField("资金来源", max_length=16, choices=Fund.choices)
    code = models.CharField("收入科目编码", max_length=12)
    name = models.CharField("科目名称", max_length=128)
    amount = amount_field("金额")

    class Meta:
        verbose_name = verbose_name_plural = "收入科目金额"
        ordering = ["fund", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class ThreePublicLine(models.Model):
    """“三公”经费 — one part (出国/接待/购车/用车运行) of one fund, budgeted or actual."""

    class Stage(models.TextChoices):
        BUDGET = "budget", "预算数"
        ACTUAL = "actual", "决算数"

    class Item(models.TextChoices):
        ABROAD = "abroad", "因公出国（境）费"
        RECEPTION = "reception", "公务接待费"
        VEHICLE_PURCHASE = "vehicle_purchase", "公务用车购置费"
        VEHICLE_OPERATION = "vehicle_operation", "公务用车运行维护费"

    disclosure = models.ForeignKey(
        Disclosure, verbose_name="公开", on_delete=models.CASCADE, related_name="three_public"
    )
    stage = models.CharField("口径", max_length=8, choices=Stage.choices)
    fund = models.CharField(
        "资金来源", max_length=16, choices=Fund.choices, help_text="决算表只公布财政拨款合计时记为一般公共预算"
    )
    item = models.CharField("项目", max_length=20, choices=Item.choices)
    amount = amount_field("金额")

    class Meta:
        verbose_name = verbose_name_plural = "“三公”经费"
        constraints = [
            models.UniqueConstraint(fields=["disclosure", "stage", "fund", "item"], name="three_public_unique")
        ]

    def __str__(self):
        return f"{self.get_item_display()} {self.get_stage_display()}"


class OperatingCost(models.Model):
    """机关运行经费 — per unit (表十一) or per unit type (公开10表 行政单位 / 参公事业单位), by fund."""

    class UnitKind(models.TextChoices):
        ADMINISTRATIVE = "administrative", "行政单位"
        CIVIL_SERVICE_INSTITUTION = "civil_service", "参照公务员法管理事业单位"

    disclosure = models.ForeignKey(
        Disclosure, verbose_name="公开", on_delete=models.CASCADE, related_name="operating_costs"
    )
    unit_name = models.CharField("单位名称", max_length=128, blank=True)
    unit_kind = models.CharField("单位类型", max_length=16, choices=UnitKind.choices, blank=True)
    fund = models.CharField("资金来源", max_length=16, choices=Fund.choices, default=Fund.GENERAL)
    amount = amount_field("金额")
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "机关运行经费"
        ordering = ["order", "id"]

    def __str__(self):
        return self.unit_name or self.get_unit_kind_display()


class Procurement(models.Model):
    """政府采购 — 货物 / 工程 / 服务, and the shares granted to small enterprises (决算)."""

    disclosure = models.OneToOneField(
        Disclosure, verbose_name="公开", on_delete=models.CASCADE, related_name="procurement"
    )
    goods = amount_field("货物")
    works = amount_field("工程")
    services = amount_field("服务")
    sme = amount_field("授予中小企业合同金额")
    small_micro = amount_field("其中授予小微企业合同金额")

    class Meta:
        verbose_name = verbose_name_plural = "政府采购"

    def __str__(self):
        return f"{self.disclosure} 政府采购"


class AssetSummary(models.Model):
    """国有资产占有使用 — equipment counts and office space; vehicles are VehicleCount rows."""

    disclosure = models.OneToOneField(Disclosure, verbose_name="公开", on_delete=models.CASCADE, related_name="assets")
    equipment_over_million = models.PositiveIntegerField("单价100万元（含）以上设备（台/套）", null=True, blank=True)
    equipment_over_half_million = models.PositiveIntegerField(
        "单价50万元（含）以上设备（台/套）", null=True, blank=True
    )
    office_area = models.DecimalField("办公用房面积（平方米）", max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "国有资产占有使用"

    def __str__(self):
        return f"{self.disclosure} 国有资产"


class VehicleCount(models.Model):
    """车辆 — vehicles held, by category (公开10表 行次 8–15)."""

    class Category(models.TextChoices):
        MINISTERIAL = "ministerial", "副部（省）级及以上领导用车"
        PRINCIPAL = "principal", "主要负责人用车"
        CONFIDENTIAL = "confidential", "机要通信用车"
        EMERGENCY = "emergency", "应急保障用车"
        LAW_ENFORCEMENT = "law_enforcement", "执法执勤用车"
        SPECIAL = "special", "特种专业技术用车"
        RETIREE = "retiree", "离退休干部服务用车"
        OTHER = "other", "其他用车"

    disclosure = models.ForeignKey(Disclosure, verbose_name="公开", on_delete=models.CASCADE, related_name="vehicles")
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    count = models.PositiveIntegerField("数量（辆）", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "车辆"
        constraints = [models.UniqueConstraint(fields=["disclosure", "category"], name="vehicle_count_unique")]

    def __str__(self):
        return self.get_category_display()


class ProjectLine(models.Model):
    """项目支出 — one row of 表十二 (本年预算) or 表十三 (上年结转), by fund."""

    class Category(models.TextChoices):
        OPERATING = "operating", "其他运转类"
        SPECIFIC = "specific", "特定目标类"

    disclosure = models.ForeignKey(Disclosure, verbose_name="公开", on_delete=models.CASCADE, related_name="projects")
    order = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("项目名称", max_length=255)
    carryover = models.BooleanField("上年结转", default=False)
    category = models.CharField("项目类别", max_length=12, choices=Category.choices, blank=True)
    function = models.ForeignKey(
        FunctionClass, verbose_name="功能分类科目", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    general = amount_field("一般公共预算")
    gov_fund = amount_field("政府性基金预算")
    state_capital = amount_field("国有资本经营预算")
    special_account = amount_field("财政专户管理资金")
    unit_own = amount_field("单位资金")

    class Meta:
        verbose_name = verbose_name_plural = "项目支出"
        ordering = ["carryover", "order"]
        constraints = [
            models.UniqueConstraint(fields=["disclosure", "carryover", "order"], name="project_line_unique_order")
        ]

    def __str__(self):
        return self.name

    @property
    def total(self):
        from disclosures.amounts import add

        return add(self.general, self.gov_fund, self.state_capital, self.special_account, self.unit_own)


class Section(models.Model):
    """文字部分 — 概况, 情况说明 items, 名词解释 and 其他说明 as ordered text sections."""

    class Part(models.TextChoices):
        OVERVIEW = "overview", "概况"
        NARRATIVE = "narrative", "情况说明"
        GLOSSARY = "glossary", "名词解释"
        OTHER = "other", "其他说明"
        ATTACHMENT = "attachment", "附件"

    disclosure = models.ForeignKey(Disclosure, verbose_name="公开", on_delete=models.CASCADE, related_name="sections")
    part = models.CharField("部分", max_length=12, choices=Part.choices)
    order = models.PositiveSmallIntegerField("顺序")
    level = models.PositiveSmallIntegerField("层级", default=1)
    heading = models.CharField("标题", max_length=255)
    body = models.TextField("正文", blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="空白表示原文导入；有值表示财务人员修改过（审核版会比对其中数字与数据）",
    )
    edited_at = models.DateTimeField("修改时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "文字部分"
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["disclosure", "order"], name="section_unique_order")]

    def __str__(self):
        return self.heading


class SourceTable(models.Model):
    """导入的原表 — a table exactly as the imported document printed it, cell by cell."""

    document = models.ForeignKey(
        SourceDocument, verbose_name="导入文件", on_delete=models.CASCADE, related_name="tables"
    )
    disclosure = models.ForeignKey(
        Disclosure, verbose_name="公开", null=True, blank=True, on_delete=models.CASCADE, related_name="source_tables"
    )
    key = models.CharField("表键", max_length=24)
    order = models.PositiveSmallIntegerField("顺序")
    label = models.CharField("表号", max_length=32, blank=True)
    title = models.CharField("标题", max_length=200)
    unit_label = models.CharField("金额单位", max_length=8, blank=True)
    line = models.PositiveIntegerField("起始行")
    header_rows = models.JSONField("表头", default=list)
    rows = models.JSONField("数据行", default=list, help_text='[{"line": 12, "cells": ["205", "教育支出", "1.80"]}, …]')
    empty_note = models.CharField("无数据说明", max_length=32, blank=True)
    notes = models.JSONField("表注", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导入的原表"
        ordering = ["document", "order"]

    def __str__(self):
        return f"{self.label} {self.title}"


class DepartmentRole(models.Model):
    """岗位 — a staff user's role for one department: 填报人 edits its drafts, 审核人 reviews them."""

    class Role(models.TextChoices):
        FILER = "filer", "填报人"
        REVIEWER = "reviewer", "审核人"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="department_roles"
    )
    department = models.ForeignKey(Department, verbose_name="主管部门", on_delete=models.CASCADE, related_name="roles")
    role = models.CharField("岗位", max_length=8, choices=Role.choices)

    class Meta:
        verbose_name = verbose_name_plural = "部门岗位"
        constraints = [models.UniqueConstraint(fields=["user", "department", "role"], name="department_role_unique")]

    def __str__(self):
        return f"{self.user} {self.department.name} {self.get_role_display()}"


class ReviewEvent(models.Model):
    """审核流转记录 — one state transition of a disclosure (append-only)."""

    class Action(models.TextChoices):
        IMPORT = "import", "导入"
        SUBMIT = "submit", "提交审核"
        RETURN = "return", "退回修改"
        APPROVE = "approve", "审核通过"
        PUBLISH = "publish", "公开"
        CORRECT = "correct", "发起更正"

    disclosure = models.ForeignKey(Disclosure, verbose_name="公开", on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField("操作", max_length=8, choices=Action.choices)
    from_status = models.CharField("原状态", max_length=12, choices=Disclosure.Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=12, choices=Disclosure.Status.choices)
    comment = models.TextField("意见", blank=True)
    revision = models.PositiveIntegerField("数据修订号", default=0)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "审核流转记录"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"


class ReviewComment(models.Model):
    """审核意见 — a reviewer's comment on a table, a row or an indicator of a disclosure."""

    disclosure = models.ForeignKey(Disclosure, verbose_name="公开", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="意见人", on_delete=models.PROTECT, related_name="+"
    )
    table = models.CharField("表", max_length=24, blank=True)
    row_code = models.CharField("行", max_length=64, blank=True)
    form = models.ForeignKey(
        "performance.TargetForm",
        verbose_name="绩效目标表",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    indicator = models.CharField("指标", max_length=255, blank=True)
    body = models.TextField("意见")
    revision = models.PositiveIntegerField("数据修订号", default=0)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "审核意见"
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.body[:40]


class FindingDecision(models.Model):
    """审核判定 — a reviewer acknowledges a warning or dismisses a finding as a false positive, with a reason."""

    class Decision(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", "已确认"
        DISMISSED = "dismissed", "误报（不予采纳）"

    disclosure = models.ForeignKey(Disclosure, verbose_name="公开", on_delete=models.CASCADE, related_name="decisions")
    rule = models.CharField("规则", max_length=48)
    location_key = models.CharField("位置", max_length=255)
    decision = models.CharField("判定", max_length=12, choices=Decision.choices)
    reason = models.TextField("理由")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "审核判定"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.rule} {self.get_decision_display()}"


class AuditEntry(models.Model):
    """修改留痕 — one change to disclosure data: who, when, what, old → new (append-only)."""

    class Action(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"
        TRANSITION = "transition", "状态流转"

    disclosure = models.ForeignKey(
        Disclosure, verbose_name="公开", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField("操作", max_length=12, choices=Action.choices)
    model = models.CharField("对象类型", max_length=64)
    object_id = models.CharField("对象编号", max_length=32, blank=True)
    object_repr = models.CharField("对象", max_length=255, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True, help_text='{"字段": ["旧值", "新值"]}')
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "修改留痕"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"


class DisclosureSnapshot(models.Model):
    """提交快照 — a disclosure's projected tables, sections and forms as they were when it was submitted for review.

    ``data`` is exports.disclosure_json of that moment; the next review round diffs the current data against it
    (disclosures/diff.py). Taken by disclosures.diff.snapshot_take; never edited.
    """

    disclosure = models.ForeignKey(Disclosure, verbose_name="公开", on_delete=models.CASCADE, related_name="snapshots")
    revision = models.PositiveIntegerField("数据修订号")
    data = models.JSONField("快照数据")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "提交快照"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.disclosure_id} 修订号{self.revision}"


class BigramsField(models.Field):
    """A set of character bigrams, each coded as a 32-bit integer (disclosures.search_index.bigram_codes):
    integer[] on PostgreSQL (GIN-indexed, queried with @>), elsewhere one text with each code between newlines."""

    description = "字符二元组编码集合"

    def db_type(self, connection):
        return "integer[]" if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None or connection.vendor == "postgresql":
            return None if value is None else sorted(value)
        return "\n" + "".join(f"{code}\n" for code in sorted(value))

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, list):
            return value
        return [int(code) for code in value.split()]


@BigramsField.register_lookup
class ContainsBigrams(models.Lookup):
    """``bigrams__contains_all={codes}``: holds every given code; on PostgreSQL ``@>``, answered from the GIN index."""

    lookup_name = "contains_all"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        column, params = self.process_lhs(compiler, connection)
        codes = sorted(self.rhs)
        if connection.vendor == "postgresql":
            return f"{column} @> %s::integer[]", (*params, codes)
        tests = [f"instr({column}, %s) > 0" for _ in codes] or ["1 = 1"]
        return " AND ".join(tests), tuple(p for code in codes for p in (*params, f"\n{code}\n"))


class SearchDocument(models.Model):
    """检索文本 — what the project search matches for one 项目支出 line, or one target form without a line, of a
    published disclosure: its texts (the line's name, its target forms' names, goals and indicator names),
    upper-cased, and their character bigrams, GIN-indexed on PostgreSQL so that a two-character query (救援) is
    answered from an index too (pg_trgm cannot).

    Derived data, never edited: disclosures.search_index.refresh_search_index builds a disclosure's documents when
    it is published (its rows never change after that). A row with neither line nor form marks the disclosure as
    indexed; while some published disclosure has no mark, the search scans the source tables instead, as before
    this index: a missing index makes the search slower, never wrong.
    """

    disclosure = models.ForeignKey(Disclosure, verbose_name="公开", on_delete=models.CASCADE, related_name="+")
    line = models.OneToOneField(
        ProjectLine, verbose_name="项目支出", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    form = models.OneToOneField(
        "performance.TargetForm",
        verbose_name="绩效目标表",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    text = models.TextField("检索文本", blank=True)
    bigrams = BigramsField("二元组", default=list)

    class Meta:
        verbose_name = verbose_name_plural = "检索文本"
        constraints = [
            models.CheckConstraint(
                condition=Q(line__isnull=True) | Q(form__isnull=True), name="search_document_line_or_form"
            ),
            models.UniqueConstraint(
                fields=["disclosure"],
                condition=Q(line__isnull=True, form__isnull=True),
                name="search_document_one_mark",
            ),
        ]

    def __str__(self):
        return self.text[:50]


class PublishedTotal(models.Model):
    """支出合计 of a published version as its tables print it (disclosures/totals.py), stored at publish so that the
    portal sorts and filters a whole province by it; derived, never edited (published versions never change)."""

    disclosure = models.OneToOneField(
        Disclosure, verbose_name="公开", primary_key=True, on_delete=models.CASCADE, related_name="published_total"
    )
    total = models.DecimalField("支出合计（元）", max_digits=15, decimal_places=2, null=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "公开版支出合计"

    def __str__(self):
        return f"{self.disclosure_id}: {self.total}"
