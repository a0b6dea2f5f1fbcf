"""The store's data contract: every table and column name, type and constraint, in one place.

Other modules refer to tables through the constants and :data:`TABLES` defined here, never by
string literals of their own, so that a rename happens in one file. The schema carries a version
(:data:`SCHEMA_VERSION`); :mod:`analytics.store.db` upgrades an older file step by step with
:data:`MIGRATIONS` and refuses a file written by a newer version.

Conventions
-----------
* Ids are text (ERP/CRM exports use codes such as ``C000123``).
* Dates are ``DATE``; money is ``DECIMAL(18, 2)`` in the data's currency (``meta.currency``);
  activity quantities and assessment scores are ``DOUBLE``, always finite (a ``CHECK`` refuses
  NaN and ±infinity, from version 3).
* A date of something that happened is at most :data:`FUTURE_DAYS` days after today
  (:func:`latest_date`); checked on ingest and in forms, since DuckDB checks cannot read the clock.
* Every data table has a nullable ``load_id`` naming the upload that wrote the row, so that a load
  can be undone exactly (:mod:`analytics.ingest`). Rows made by the demo generator or typed in a
  form have ``load_id`` NULL.
* Fact tables (transactions, activities, feedback) have no primary-key index: at 100 million rows
  an ART index costs more memory than the data. Uniqueness of their ids is checked on ingest.
* Only what the analytics need is required of a file (version 5): a transaction needs a customer,
  a date and an amount. A column with a ``default`` is still never empty in the store, but a file
  without that column takes the default (product ``unspecified``, quantity 1, customer type
  ``unknown``, a customer's name = its id); an empty cell in a column the file does carry is still
  refused, since there the file itself says the value is missing. Cost of goods is nullable: NULL
  means "not provided", never zero: sums of cost of goods count only the known ones, and every figure
  of profit states the share of revenue whose cost of goods is unknown (metric
  ``cogs_unknown_revenue_share``; ``agg_customer_month.cogs_unknown_revenue`` carries its numerator).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

SCHEMA_VERSION = 6

# Table names.
CUSTOMERS = "customers"
TRANSACTIONS = "transactions"
ACTIVITIES = "activities"
ACTIVITY_RATES = "activity_rates"
FEEDBACK = "feedback"
ASSESSMENTS = "assessments"
SERVICE_QUALITY = "service_quality"
OPPORTUNITIES = "opportunities"
CONTRACTS = "contracts"  # version 6
# Bookkeeping tables.
META = "meta"
INGEST_LOG = "ingest_log"
AUDIT_LOG = "audit_log"
COLUMN_MAPS = "column_maps"
SAVED_VIEWS = "saved_views"
# Sign-in accounts (analytics.users; created with the bookkeeping tables, no schema version of its own).
USERS = "users"
# Rows removed by a replacing load, kept for undo: one table per data table (see shadow_name).
SHADOW_PREFIX = "ingest_replaced_"
# Derived aggregates, rebuilt from the facts (see analytics.store.aggregates).
AGG_CUSTOMER_MONTH = "agg_customer_month"
AGG_ACTIVITY_MONTH = "agg_activity_month"
# Model fits and per-customer summaries computed from the data, keyed by data version
# (see analytics.store.derived and analytics.precompute).
DERIVED_RESULTS = "derived_results"

# 'unknown': a customer created from a transactions file, until a customer file says otherwise (version 5).
UNKNOWN_TYPE = "unknown"
CUSTOMER_TYPES = ("enterprise", "individual", UNKNOWN_TYPE)
# The product of a transaction whose file has no product column (version 5).
UNSPECIFIED_PRODUCT = "unspecified"
FEEDBACK_KINDS = ("praise", "complaint", "other")
OPPORTUNITY_STAGES = ("target", "prospect", "opportunity", "won", "lost")
# A contract term: running, ended with a renewal (the next term is another row), ended with a cancellation.
CONTRACT_STATUSES = ("active", "renewed", "cancelled")
VALUE_PARTS = ("product_value", "service_value", "personnel_value", "image_value")
COST_PARTS = ("money_cost", "time_cost", "energy_cost", "psychic_cost")
SATISFACTION_LEVELS = ("material", "spiritual", "social")


@dataclass(frozen=True)
class Column:
    """One column of the contract.

    ``kind`` is the logical type used by validation ("id", "text", "date", "money", "number",
    "integer", "category"); ``sql`` is the DuckDB type. ``choices`` restricts a category;
    ``min``/``max`` bound numbers; ``references`` names ``table.column`` a value must exist in;
    ``synonyms`` help match a file's headers (Chinese and English) to this column.

    ``required``: the store never holds NULL there (``NOT NULL``). ``default`` (a constant) or
    ``default_from`` (another column of the same row) fills a required column when the file has no
    column for it; such a column need not be mapped (:attr:`needs_source` is False).
    ``generated``: an id the engine makes from the row's content when the file has none
    (see :mod:`analytics.ingest.validate`).
    """

    name: str
    sql: str
    kind: str
    required: bool = False
    choices: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    references: str | None = None
    synonyms: tuple[str, ...] = ()
    default: str | None = None
    default_from: str | None = None
    generated: bool = False

    @property
    def needs_source(self) -> bool:
        """True when a file (or a form) must give this column: required, with no default and not generated."""
        return self.required and self.default is None and self.default_from is None and not self.generated


@dataclass(frozen=True)
class Table:
    """A table of the contract: its columns, key and the columns that date its rows."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    date_column: str | None = None
    primary_key_index: bool = False
    checks: tuple[str, ...] = field(default=())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _money(name: str, *syn: str, required: bool = True, min: float | None = None) -> Column:
    return Column(name, "DECIMAL(18,2)", "money", required=required, min=min, synonyms=syn)


_CUSTOMER_ID = Column(
    "customer_id", "VARCHAR", "id", required=True, references=f"{CUSTOMERS}.customer_id",
    synonyms=("客户编号", "客户ID", "客户id", "客户代码", "客户号", "cust_id", "customer", "customer id", "客户",
              "客户编码", "会员编号", "client id"),
)

TABLES: dict[str, Table] = {
    CUSTOMERS: Table(
        CUSTOMERS,
        (
            Column("customer_id", "VARCHAR", "id", required=True,
                   synonyms=("客户编号", "客户ID", "客户id", "客户代码", "客户号", "cust_id", "id")),
            Column("name", "VARCHAR", "text", required=True, default_from="customer_id",
                   synonyms=("客户名称", "名称", "客户名", "姓名", "customer_name", "customer name")),
            Column("customer_type", "VARCHAR", "category", required=True, choices=CUSTOMER_TYPES, default=UNKNOWN_TYPE,
                   synonyms=("客户类型", "类型", "type")),
            Column("segment", "VARCHAR", "category", synonyms=("细分", "客户细分", "分群", "客户群")),
            Column("region", "VARCHAR", "category", synonyms=("区域", "地区", "大区", "country", "国家")),
            Column("industry", "VARCHAR", "category", synonyms=("行业", "所属行业")),
            Column("channel", "VARCHAR", "category", synonyms=("渠道", "获客渠道", "销售渠道")),
            Column("plan", "VARCHAR", "category",
                   synonyms=("套餐", "付费方式", "合同类型", "plan type", "contract", "contract_type")),
            Column("acquired_on", "DATE", "date", synonyms=("获客日期", "开户日期", "注册日期", "acquired", "signup_date")),
            _money("acquisition_cost", "获客成本", "acquisition cost", "cac", required=False, min=0),
            Column("referred_by", "VARCHAR", "id", references=f"{CUSTOMERS}.customer_id",
                   synonyms=("推荐人", "推荐客户", "referrer", "referred by")),
        ),
        key=("customer_id",),
        date_column="acquired_on",
        primary_key_index=True,
    ),
    TRANSACTIONS: Table(
        TRANSACTIONS,
        (
            Column("transaction_id", "VARCHAR", "id", required=True, generated=True,
                   synonyms=("交易编号", "明细编号", "行编号", "order_id", "line_id", "id")),
            _CUSTOMER_ID,
            Column("tx_date", "DATE", "date", required=True,
                   synonyms=("交易日期", "日期", "订单日期", "date", "order_date", "invoicedate", "下单时间",
                             "下单日期", "单据日期", "销售日期", "交易时间", "订单时间", "transaction date",
                             # ERP exports (Kingdee, Yonyou and the like): the document's business date
                             "业务日期", "出库日期", "发货日期", "开票日期", "发票日期", "记账日期")),
            Column("product", "VARCHAR", "category", required=True, default=UNSPECIFIED_PRODUCT,
                   synonyms=("产品", "商品", "产品名称", "item", "stockcode", "sku", "物料编码", "商品编码", "存货编码",
                             "物料名称", "商品名称", "存货名称", "品名", "description",
                             "货品编码", "货品名称", "产品编码", "产品编号", "物料", "存货", "物料名")),
            Column("quantity", "DOUBLE", "number", required=True, default="1",
                   synonyms=("数量", "qty", "销售数量", "件数", "实发数量", "出库数量", "发货数量", "开票数量",
                             "主数量", "基本数量")),
            # With tax before without (含税 before 不含税/无税): a file with both maps the first; the analyst may change it.
            _money("revenue", "收入", "销售额", "金额", "营业收入", "sales", "amount", "含税金额", "销售金额", "价税合计",
                   "成交金额", "line total", "本币价税合计", "开票金额", "销售收入", "不含税金额", "无税金额",
                   "本币无税金额"),
            # Nullable from version 5: NULL is "not provided" (exports rarely carry a cost), never 0.
            _money("cogs", "成本", "销售成本", "商品成本", "cost of goods", "cost", "cost_of_goods", "成本金额",
                   "总成本", "成本总额", "出库成本", "销售成本金额", required=False),
        ),
        key=("transaction_id",),
        date_column="tx_date",
    ),
    ACTIVITIES: Table(
        ACTIVITIES,
        (
            Column("activity_id", "VARCHAR", "id", required=True, synonyms=("作业编号", "活动编号", "编号", "id")),
            _CUSTOMER_ID,
            Column("activity_date", "DATE", "date", required=True, synonyms=("日期", "作业日期", "date")),
            Column("activity", "VARCHAR", "category", required=True, references=f"{ACTIVITY_RATES}.activity",
                   synonyms=("作业", "活动", "作业类型", "activity_type", "type")),
            Column("quantity", "DOUBLE", "number", required=True, synonyms=("数量", "次数", "qty")),
        ),
        key=("activity_id",),
        date_column="activity_date",
    ),
    ACTIVITY_RATES: Table(
        ACTIVITY_RATES,
        (
            Column("activity", "VARCHAR", "category", required=True, synonyms=("作业", "活动", "作业类型")),
            Column("unit_cost", "DECIMAL(18,4)", "money", required=True, min=0,
                   synonyms=("单位成本", "费率", "单价", "rate", "unit cost")),
            Column("valid_from", "DATE", "date", required=True, synonyms=("生效日期", "起始日期", "valid from")),
            Column("unit", "VARCHAR", "text", synonyms=("单位",)),
        ),
        key=("activity", "valid_from"),
        date_column="valid_from",
        primary_key_index=True,
    ),
    FEEDBACK: Table(
        FEEDBACK,
        (
            Column("feedback_id", "VARCHAR", "id", required=True, synonyms=("反馈编号", "编号", "id")),
            _CUSTOMER_ID,
            Column("feedback_date", "DATE", "date", required=True, synonyms=("日期", "反馈日期", "date")),
            Column("kind", "VARCHAR", "category", required=True, choices=FEEDBACK_KINDS,
                   synonyms=("类型", "反馈类型", "type")),
            Column("nps_score", "INTEGER", "integer", min=0, max=10,
                   synonyms=("NPS", "nps", "推荐值", "推荐得分", "评分", "score")),
            Column("channel", "VARCHAR", "category", synonyms=("渠道", "来源")),
            Column("topic", "VARCHAR", "category", synonyms=("主题", "话题", "问题类型")),
            Column("text", "VARCHAR", "text", synonyms=("内容", "文本", "反馈内容", "comment")),
        ),
        key=("feedback_id",),
        date_column="feedback_date",
    ),
    ASSESSMENTS: Table(
        ASSESSMENTS,
        (
            Column("assessment_id", "VARCHAR", "id", required=True, synonyms=("评估编号", "编号", "id")),
            _CUSTOMER_ID,
            Column("assessed_on", "DATE", "date", required=True, synonyms=("评估日期", "日期", "date")),
            *(Column(p, "DOUBLE", "number", required=True, min=0, synonyms=syn) for p, syn in (
                ("product_value", ("产品价值",)), ("service_value", ("服务价值",)),
                ("personnel_value", ("人员价值",)), ("image_value", ("形象价值",)),
                ("money_cost", ("货币成本", "货币价格")), ("time_cost", ("时间成本",)),
                ("energy_cost", ("精力成本", "体力成本")), ("psychic_cost", ("精神成本", "心理成本")),
            )),
            *(Column(f"{side}_{lvl}", "DOUBLE", "number", min=0, synonyms=syn) for side, lvl, syn in (
                ("expectation", "material", ("物质层期望", "期望_物质")),
                ("perception", "material", ("物质层感知", "感知_物质")),
                ("expectation", "spiritual", ("精神层期望", "期望_精神")),
                ("perception", "spiritual", ("精神层感知", "感知_精神")),
                ("expectation", "social", ("社会层期望", "期望_社会")),
                ("perception", "social", ("社会层感知", "感知_社会")),
            )),
        ),
        key=("assessment_id",),
        date_column="assessed_on",
        primary_key_index=True,
    ),
    SERVICE_QUALITY: Table(
        SERVICE_QUALITY,
        (
            Column("quality_date", "DATE", "date", required=True, synonyms=("日期", "date")),
            Column("region", "VARCHAR", "category", required=True, synonyms=("区域", "地区")),
            Column("quality_index", "DOUBLE", "number", required=True, min=0, max=100,
                   synonyms=("服务质量指数", "质量指数", "指数", "index", "quality")),
        ),
        key=("quality_date", "region"),
        date_column="quality_date",
        primary_key_index=True,
    ),
    OPPORTUNITIES: Table(
        OPPORTUNITIES,
        (
            Column("opportunity_id", "VARCHAR", "id", required=True, synonyms=("商机编号", "机会编号", "编号", "id")),
            Column("customer_id", "VARCHAR", "id", references=f"{CUSTOMERS}.customer_id",
                   synonyms=("客户编号", "客户ID", "客户")),
            Column("prospect_name", "VARCHAR", "text", synonyms=("潜在客户", "客户名称", "名称", "prospect")),
            Column("stage", "VARCHAR", "category", required=True, choices=OPPORTUNITY_STAGES,
                   synonyms=("阶段", "销售阶段", "状态")),
            Column("created_on", "DATE", "date", required=True, synonyms=("创建日期", "日期", "created")),
            Column("closed_on", "DATE", "date", synonyms=("关闭日期", "成交日期", "closed")),
            _money("amount", "金额", "预计金额", "商机金额", required=False, min=0),
            Column("region", "VARCHAR", "category", synonyms=("区域", "地区")),
            Column("channel", "VARCHAR", "category", synonyms=("渠道",)),
        ),
        key=("opportunity_id",),
        date_column="created_on",
        primary_key_index=True,
    ),
}

# Contract terms of contract and postpaid customers (version 6): one row per term, so that a
# customer's renewals are the rows before the running or cancelled one (analytics.contracts).
# ``end_date`` is when the term ends (for an active contract, when it comes up for renewal: it may
# lie ahead); empty for an open-ended contract.
TABLES[CONTRACTS] = Table(
    CONTRACTS,
    (
        Column("contract_id", "VARCHAR", "id", required=True,
               synonyms=("合同编号", "合同号", "合约编号", "合同ID", "contract id", "contract_no", "id")),
        _CUSTOMER_ID,
        Column("plan", "VARCHAR", "category", required=True,
               synonyms=("套餐", "合同类型", "合约类型", "套餐名称", "plan type", "contract type")),
        Column("start_date", "DATE", "date", required=True,
               synonyms=("开始日期", "起始日期", "生效日期", "签约日期", "合同开始日期", "start", "start date")),
        Column("end_date", "DATE", "date",
               synonyms=("结束日期", "到期日期", "终止日期", "合同结束日期", "end", "end date", "expiry date")),
        Column("status", "VARCHAR", "category", required=True, choices=CONTRACT_STATUSES,
               synonyms=("状态", "合同状态", "contract status")),
    ),
    key=("contract_id",),
    date_column="start_date",
    primary_key_index=True,
)

DATA_TABLES = tuple(TABLES)

# Checks that DuckDB enforces on write, in addition to NOT NULL on required columns.
_CHECKS: dict[str, tuple[str, ...]] = {
    CUSTOMERS: ("customer_type IN ('enterprise', 'individual', 'unknown')", "acquisition_cost IS NULL OR acquisition_cost >= 0"),
    ACTIVITY_RATES: ("unit_cost >= 0",),
    FEEDBACK: ("kind IN ('praise', 'complaint', 'other')", "nps_score IS NULL OR nps_score BETWEEN 0 AND 10"),
    SERVICE_QUALITY: ("quality_index BETWEEN 0 AND 100",),
    OPPORTUNITIES: ("stage IN ('target', 'prospect', 'opportunity', 'won', 'lost')",),
    CONTRACTS: ("status IN ('active', 'renewed', 'cancelled')",),
}


# Dates of things that happened (a sale, a visit, an assessment, a complaint, an acquisition) may lie
# at most this many days after today: slack for post-dated invoices and time zones, while a typing
# error such as 2099 for 2019 is refused before it moves every user's default period.
FUTURE_DAYS = 31
# Date columns that may lie further ahead: a rate taking effect later, an expected closing date.
FUTURE_ALLOWED: frozenset[tuple[str, str]] = frozenset({(ACTIVITY_RATES, "valid_from"), (OPPORTUNITIES, "closed_on"),
                                                        (CONTRACTS, "end_date")})


def latest_date(today: dt.date | None = None) -> dt.date:
    """The latest date of an event the store accepts: today + :data:`FUTURE_DAYS`."""
    return (today or dt.date.today()) + dt.timedelta(days=FUTURE_DAYS)


def finite_columns(table: Table) -> tuple[str, ...]:
    """The ``DOUBLE`` columns of a table, which must hold finite numbers (no NaN, no ±infinity)."""
    return tuple(c.name for c in table.columns if c.sql == "DOUBLE")


def table_ddl(table: Table, name: str | None = None) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for one contract table (plus its ``load_id``), named ``name``
    when given (an upgrade builds a table beside the old one)."""
    cols = [f"{c.name} {c.sql}{' NOT NULL' if c.required else ''}" for c in table.columns]
    cols.append("load_id BIGINT")
    if table.primary_key_index:
        cols.append(f"PRIMARY KEY ({', '.join(table.key)})")
    cols.extend(f"CHECK ({chk})" for chk in _CHECKS.get(table.name, ()))
    # NaN or an infinity in one quantity makes every sum over it NaN or infinite, and the pages fail.
    cols.extend(f"CHECK (isfinite({c}))" for c in finite_columns(table))
    return f"CREATE TABLE IF NOT EXISTS {name or table.name} (\n  " + ",\n  ".join(cols) + "\n)"


BOOKKEEPING_DDL: tuple[str, ...] = (
    f"CREATE TABLE IF NOT EXISTS {META} (key VARCHAR PRIMARY KEY, value VARCHAR)",
    f"""CREATE TABLE IF NOT EXISTS {INGEST_LOG} (
  load_id BIGINT PRIMARY KEY, table_name VARCHAR NOT NULL, file_name VARCHAR, sha256 VARCHAR,
  rows BIGINT, mode VARCHAR, user_name VARCHAR, loaded_at TIMESTAMP, mapping VARCHAR,
  period_from DATE, period_to DATE, undone_at TIMESTAMP)""",
    f"""CREATE TABLE IF NOT EXISTS {AUDIT_LOG} (
  audit_id BIGINT PRIMARY KEY, table_name VARCHAR NOT NULL, record_key VARCHAR, action VARCHAR,
  column_name VARCHAR, old_value VARCHAR, new_value VARCHAR, user_name VARCHAR, changed_at TIMESTAMP)""",
    f"""CREATE TABLE IF NOT EXISTS {COLUMN_MAPS} (
  name VARCHAR, table_name VARCHAR, mapping VARCHAR, saved_at TIMESTAMP, PRIMARY KEY (name, table_name))""",
    f"""CREATE TABLE IF NOT EXISTS {SAVED_VIEWS} (
  name VARCHAR PRIMARY KEY, kind VARCHAR, payload VARCHAR, saved_at TIMESTAMP)""",
    # A password is stored only as its salted argon2id hash; regions and segments empty = not restricted.
    f"""CREATE TABLE IF NOT EXISTS {USERS} (
  name VARCHAR PRIMARY KEY, password_hash VARCHAR NOT NULL, role VARCHAR NOT NULL,
  regions VARCHAR[] NOT NULL DEFAULT [], segments VARCHAR[] NOT NULL DEFAULT [],
  failed_attempts INTEGER NOT NULL DEFAULT 0, locked_until TIMESTAMP, last_sign_in TIMESTAMP,
  created_at TIMESTAMP, created_by VARCHAR, updated_at TIMESTAMP, updated_by VARCHAR)""",
    f"""CREATE TABLE IF NOT EXISTS {AGG_CUSTOMER_MONTH} (
  customer_id VARCHAR, month DATE, revenue DECIMAL(38,2), cogs DECIMAL(38,2), quantity DOUBLE, tx_count BIGINT,
  cogs_unknown_revenue DECIMAL(38,2) DEFAULT 0)""",
    f"""CREATE TABLE IF NOT EXISTS {AGG_ACTIVITY_MONTH} (
  customer_id VARCHAR, month DATE, activity VARCHAR, quantity DOUBLE, cost DOUBLE, unpriced_quantity DOUBLE)""",
)

# One stored result: what ``kind`` of result for which inputs (``params``, as canonical JSON, and its
# sha256 ``params_hash``), computed from the data of ``data_version``; ``payload`` is the result as
# JSON (tables inside it as base64 Parquet), ``seconds`` the time its computation took.
DERIVED_DDL = f"""CREATE TABLE IF NOT EXISTS {DERIVED_RESULTS} (
  kind VARCHAR NOT NULL, params_hash VARCHAR NOT NULL, data_version BIGINT NOT NULL, params VARCHAR,
  payload VARCHAR NOT NULL, seconds DOUBLE, created_at TIMESTAMP,
  PRIMARY KEY (kind, params_hash, data_version))"""


def shadow_name(table: str) -> str:
    """The table keeping the rows of ``table`` that a replacing load removed, for undo."""
    return f"{SHADOW_PREFIX}{table}"


def shadow_ddl(table: Table) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for a table's shadow: its columns without constraints, its
    ``load_id``, and ``replaced_by`` (the load that removed the row).

    Shadows are created with the schema, never inside a load: DuckDB 2.0.0 does not return, in the
    same process, the rows of a table created (as SELECT) and filled with ≥ 122,880 rows in one
    transaction once it commits (docs/ingest.md, "Why the backup tables exist before any load").
    """
    cols = [f"{c.name} {c.sql}" for c in table.columns]
    return (f"CREATE TABLE IF NOT EXISTS {shadow_name(table.name)} (\n  "
            + ",\n  ".join([*cols, "load_id BIGINT", "replaced_by BIGINT"]) + "\n)")


def create_statements() -> list[str]:
    """Every statement that creates the current schema in an empty database."""
    return ([table_ddl(t) for t in TABLES.values()] + list(BOOKKEEPING_DDL) + [DERIVED_DDL]
            + [shadow_ddl(t) for t in TABLES.values()])


# Upgrades: MIGRATIONS[n] turns a version n-1 file into version n. Each list runs in one
# transaction, so a failed upgrade leaves the file at its old version.
MIGRATIONS: dict[int, list[str]] = {
    # 2: the undo shadows exist before any load (version 1 created each inside the first
    # replacing load's transaction). A shadow that version 1 already made has this layout.
    2: [shadow_ddl(t) for t in TABLES.values() if t.name != CONTRACTS],  # contracts came in version 6
}


def _finite_upgrade() -> list[str]:
    """Version 3: ``CHECK (isfinite(…))`` on every ``DOUBLE`` column (see :func:`table_ddl`).

    DuckDB cannot add a CHECK to an existing table, so each table with ``DOUBLE`` columns is built
    anew beside the old one from explicit DDL, filled, and renamed over it (not ``CREATE … AS``:
    DuckDB 2.0.0 does not return, in the same process, the rows of a table created as SELECT and
    filled with ≥ 122,880 rows in one transaction). Rows holding NaN or an infinity, which earlier
    versions accepted, cannot move into it: each is written whole (as JSON) to the audit log, action
    ``set_aside``, user ``schema upgrade``; the monthly aggregates of the customer-months they
    touched are recomputed without them. The aggregate SQL is written out here, not taken from
    :mod:`analytics.store.aggregates`: an upgrade step describes this version's store, whatever later
    code does.
    """
    out: list[str] = []
    month = "CAST(date_trunc('month', {a}.{d}) AS DATE)"
    for t in TABLES.values():
        cols = finite_columns(t)
        if not cols:
            continue

        def bad(a: str, cols: tuple[str, ...] = cols) -> str:
            return "(" + " OR ".join(f"NOT coalesce(isfinite({a}.{c}), TRUE)" for c in cols) + ")"

        key = " || ' / ' || ".join(f"CAST(x.{k} AS VARCHAR)" for k in t.key)
        which = "concat_ws(', ', " + ", ".join(
            f"CASE WHEN NOT coalesce(isfinite(x.{c}), TRUE) THEN '{c}' END" for c in cols) + ")"
        out.append(f"""INSERT INTO {AUDIT_LOG} (audit_id, table_name, record_key, action, column_name, old_value,
                                                new_value, user_name, changed_at)
            SELECT (SELECT coalesce(max(audit_id), 0) FROM {AUDIT_LOG}) + row_number() OVER (ORDER BY {key}),
                   '{t.name}', {key}, 'set_aside', {which}, CAST(to_json(x) AS VARCHAR), NULL, 'schema upgrade',
                   date_trunc('second', current_localtimestamp())
            FROM {t.name} x WHERE {bad('x')}""")
        if t.name in (TRANSACTIONS, ACTIVITIES):
            agg = AGG_CUSTOMER_MONTH if t.name == TRANSACTIONS else AGG_ACTIVITY_MONTH
            m_x, m_a = month.format(a="x", d=t.date_column), month.format(a="a", d=t.date_column)
            touched = f"EXISTS (SELECT 1 FROM {t.name} x WHERE {bad('x')} AND x.customer_id = {{c}} AND {m_x} = {{m}})"
            out.append(f"DELETE FROM {agg} WHERE {touched.format(c=f'{agg}.customer_id', m=f'{agg}.month')}")
            where = f"NOT {bad('a')} AND {touched.format(c='a.customer_id', m=m_a)}"
            if t.name == TRANSACTIONS:
                # Columns named: the table gains one in version 5 (tests build older stores from the current DDL).
                out.append(f"""INSERT INTO {agg} (customer_id, month, revenue, cogs, quantity, tx_count)
                               SELECT a.customer_id, {m_a} AS month, sum(a.revenue), sum(a.cogs),
                                      sum(a.quantity), count(*)
                               FROM {t.name} a WHERE {where} GROUP BY ALL""")
            else:
                out.append(f"""INSERT INTO {agg}
                    WITH rate_periods AS (
                      SELECT activity, CAST(unit_cost AS DOUBLE) AS unit_cost, valid_from,
                             lead(valid_from) OVER (PARTITION BY activity ORDER BY valid_from) AS valid_to
                      FROM {ACTIVITY_RATES})
                    SELECT a.customer_id, {m_a} AS month, a.activity, sum(a.quantity),
                           coalesce(sum(a.quantity * r.unit_cost), 0),
                           sum(CASE WHEN r.activity IS NULL THEN a.quantity ELSE 0 END)
                    FROM {t.name} a LEFT JOIN rate_periods r
                      ON a.activity = r.activity AND a.activity_date >= r.valid_from
                     AND (r.valid_to IS NULL OR a.activity_date < r.valid_to)
                    WHERE {where} GROUP BY ALL""")
        names = ", ".join([*t.column_names, "load_id"])
        new = f"{t.name}__v3"
        out += [table_ddl(t, new),
                f"INSERT INTO {new} ({names}) SELECT {names} FROM {t.name} a WHERE NOT {bad('a')}",
                f"DROP TABLE {t.name}",
                f"ALTER TABLE {new} RENAME TO {t.name}"]
    return out


MIGRATIONS[3] = _finite_upgrade()
# 4: stored model fits and per-customer summaries (analytics.store.derived); an upgraded store has
# none until the next refresh, and every page computes them meanwhile, as before.
MIGRATIONS[4] = [DERIVED_DDL]


def _relaxed_upgrade() -> list[str]:
    """Version 5: only what the analytics need is required (see the module's docstring).

    ``transactions.cogs`` loses its ``NOT NULL`` in place (``ALTER … DROP NOT NULL``: no rebuild of
    the largest table); ``agg_customer_month`` gains ``cogs_unknown_revenue`` (0 for every existing
    row: a version 4 store has no unknown cost of goods). ``customers`` gains ``'unknown'`` in the
    check of ``customer_type``; DuckDB cannot alter a CHECK, so the table is built beside the old one
    from explicit DDL, filled and renamed over it, as in version 3 (never ``CREATE … AS``: see :func:`shadow_ddl`). The DDL is
    written out here: an upgrade step describes this version's store, whatever later code does.
    """
    new = f"{CUSTOMERS}__v5"
    cols = ", ".join([*TABLES[CUSTOMERS].column_names, "load_id"])
    return [
        f"ALTER TABLE {TRANSACTIONS} ALTER COLUMN cogs DROP NOT NULL",
        # Revenue of the month's transactions whose cost of goods is unknown: none before version 5.
        f"ALTER TABLE {AGG_CUSTOMER_MONTH} ADD COLUMN IF NOT EXISTS cogs_unknown_revenue DECIMAL(38,2) DEFAULT 0",
        f"""CREATE TABLE {new} (
  customer_id VARCHAR NOT NULL, name VARCHAR NOT NULL, customer_type VARCHAR NOT NULL, segment VARCHAR,
  region VARCHAR, industry VARCHAR, channel VARCHAR, plan VARCHAR, acquired_on DATE,
  acquisition_cost DECIMAL(18,2), referred_by VARCHAR, load_id BIGINT, PRIMARY KEY (customer_id),
  CHECK (customer_type IN ('enterprise', 'individual', 'unknown')),
  CHECK (acquisition_cost IS NULL OR acquisition_cost >= 0))""",
        f"INSERT INTO {new} ({cols}) SELECT {cols} FROM {CUSTOMERS}",
        f"DROP TABLE {CUSTOMERS}",
        f"ALTER TABLE {new} RENAME TO {CUSTOMERS}",
    ]


MIGRATIONS[5] = _relaxed_upgrade()
# 6: contracts (analytics.contracts): the table and its undo shadow; an upgraded store has no
# contracts until a file or the demo brings them.
MIGRATIONS[6] = [table_ddl(TABLES[CONTRACTS]), shadow_ddl(TABLES[CONTRACTS])]
