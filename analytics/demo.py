"""A deterministic, believable demo business: a telecom and IT-services company in China.

Three years of history (2023-11 to 2026-10) for enterprise and individual customers in five
regions. The shape is planted, not left to chance:

* profit: key accounts that are very profitable or, when demanding and discounted, very
  unprofitable (Kaplan's observation); heavy cost-to-serve users (support calls, returns, rush
  orders) and discount hunters who lose money; so the whale curve peaks near 150–250 % with about a
  quarter of customers making a loss;
* word of mouth: complaints grow exponentially once a region's service-quality index falls below
  ~72, praise once it rises above ~86 (planted incidents in South and North China);
* purchases follow a buy-till-you-die process (Poisson purchases, exponential lifetimes), with
  dormant spells, reactivations, referrals and a sales pipeline.

Customer-level traits are drawn with NumPy (one vectorised draw per trait); the large tables
(transactions, activities) are generated inside DuckDB from those traits with a seeded hash as
the random source, so 10 million transactions take seconds and the same seed gives the same data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analytics.store import aggregates, db, schema

START = dt.date(2023, 11, 1)
END = dt.date(2026, 10, 31)
DAYS = (END - START).days + 1
MONTH_DAYS = 30.4375

REGIONS = ("North", "East", "South", "Central", "West")
REGION_WEIGHTS = (0.24, 0.28, 0.22, 0.14, 0.12)
# (segment, customer type, share within type, purchases/month, revenue per purchase, mean lifetime months)
SEGMENTS = (
    ("Key account", "enterprise", 0.08, 6.0, 26000.0, 90.0),
    ("Corporate", "enterprise", 0.32, 2.6, 5200.0, 60.0),
    ("SMB", "enterprise", 0.60, 1.4, 1500.0, 34.0),
    ("Premium", "individual", 0.22, 1.3, 330.0, 40.0),
    ("Mass", "individual", 0.78, 0.9, 115.0, 26.0),
)
INDUSTRIES = ("Manufacturing", "Retail", "Finance", "Logistics", "Healthcare", "Education", "IT services")
# product, customer type, weight, gross margin, physical (needs delivery)
PRODUCTS = (
    ("Mobile plan", "individual", 0.45, 0.42, False),
    ("Broadband", "individual", 0.25, 0.34, True),
    ("Devices", "individual", 0.15, 0.08, True),
    ("Value-added services", "individual", 0.15, 0.60, False),
    ("Enterprise mobile", "enterprise", 0.30, 0.30, False),
    ("Dedicated line", "enterprise", 0.22, 0.26, True),
    ("Cloud services", "enterprise", 0.25, 0.22, False),
    ("IoT connectivity", "enterprise", 0.13, 0.28, True),
    ("Devices", "enterprise", 0.10, 0.06, True),
)
RATES = (  # activity, unit, [(valid_from, unit cost in CNY)]
    ("sales_visit", "visit", [(dt.date(2023, 1, 1), 1100.0), (dt.date(2025, 7, 1), 1200.0)]),
    ("onsite_support", "visit", [(dt.date(2023, 1, 1), 1500.0)]),
    ("support_call", "call", [(dt.date(2023, 1, 1), 55.0), (dt.date(2025, 1, 1), 60.0)]),
    ("delivery", "shipment", [(dt.date(2023, 1, 1), 80.0), (dt.date(2025, 7, 1), 88.0)]),
    ("rush_order", "order", [(dt.date(2023, 1, 1), 380.0)]),
    ("return", "return", [(dt.date(2023, 1, 1), 260.0)]),
    ("rebate", "CNY", [(dt.date(2023, 1, 1), 1.0)]),
    ("payment_terms", "CNY·month", [(dt.date(2023, 1, 1), 0.008)]),
)
# Cost-to-serve behaviour (tuned so the whale curve peaks near 200 % with about a quarter of
# customers losing money; tests/analytics/test_demo.py guards the shape).
HEAVY_KEY, HEAVY_ENT, HEAVY_IND = 0.35, 0.14, 0.11
HUNTER_KEY, HUNTER_ONLINE, HUNTER_OTHER = 0.30, 0.13, 0.06
HEAVY_FREQ, HEAVY_TICKET = 2.2, 0.35
HUNTER_MARGIN, HUNTER_REBATE = 0.7, 0.40
FEEDBACK_CHANNELS = ("Hotline", "App", "WeChat", "Email", "Store", "Account manager")
COMPLAINT_TOPICS = (
    ("Network", "信号差，经常掉线", "Poor signal, calls keep dropping"),
    ("Billing", "账单有误，多收了费用", "Wrong bill, I was overcharged"),
    ("Service", "客服电话一直打不通", "Could not get through to customer service"),
    ("Delivery", "设备送货太慢", "Device delivery was far too slow"),
    ("Price", "价格比别家贵", "More expensive than competitors"),
    ("Product", "设备质量有问题", "The device has quality problems"),
)
PRAISE_TOPICS = (
    ("Network", "网速很快，信号稳定", "Fast and stable connection"),
    ("Service", "客户经理响应及时，很专业", "Account manager responds fast and knows the job"),
    ("Billing", "账单清楚明白", "Clear, easy to read bills"),
    ("Product", "新套餐性价比高", "The new plan is great value"),
    ("Delivery", "安装师傅准时又细心", "Installer was on time and careful"),
)


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`generate` wrote."""

    customers: int
    transactions: int
    activities: int
    feedback: int
    assessments: int
    opportunities: int
    seconds: float


Progress = Callable[[float, str], None]


def _noop(_: float, __: str) -> None:
    pass


def generate(
    con: duckdb.DuckDBPyConnection,
    customers: int = 5000,
    transactions: int | None = None,
    seed: int = 7,
    progress: Progress | None = None,
) -> DemoSummary:
    """Replace the store's data with a demo business, in one transaction.

    Parameters
    ----------
    con : a connection from :func:`analytics.store.db.connect`.
    customers : number of customers (10 … 1,000,000).
    transactions : approximate number of transactions; default 40 per customer.
    seed : random seed; the same seed and sizes give the same data.
    progress : optional callback ``(fraction 0–1, step name)``.
    """
    import time

    if not 10 <= customers <= 1_000_000:
        raise ValueError(f"customers must be between 10 and 1,000,000, got {customers}")
    transactions = transactions if transactions is not None else customers * 40
    if not customers <= transactions <= 200_000_000:
        raise ValueError(f"transactions must be between the number of customers and 200,000,000, got {transactions}")
    say = progress or _noop
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    say(0.02, "customers")
    cust = _customers(rng, customers, transactions)
    with db.write(con) as cur:
        for t in (*schema.DATA_TABLES, schema.AGG_CUSTOMER_MONTH, schema.AGG_ACTIVITY_MONTH,
                  schema.INGEST_LOG, schema.AUDIT_LOG):
            cur.execute(f"DELETE FROM {t}")
        cur.execute(
            "CREATE OR REPLACE TEMP MACRO rnd(a, b, k) AS "
            f"(((hash(a, b, k, {int(seed)}) >> 11)::DOUBLE + 0.5) / 9007199254740992.0)"
        )
        cur.execute("CREATE OR REPLACE TEMP MACRO rnorm(a, b, k) AS "
                    "(sqrt(-2 * ln(rnd(a, b, k))) * cos(2 * pi() * rnd(a, b, k + 1000)))")
        cur.register("gen_cust", cust)
        cur.execute(f"""INSERT INTO {schema.CUSTOMERS} SELECT customer_id, name, customer_type, segment, region,
            industry, channel, plan, acquired_on, round(acquisition_cost, 2), referred_by, NULL FROM gen_cust""")
        _rates(cur)
        say(0.10, "transactions")
        _transactions(cur)
        say(0.40, "activities")
        _activities(cur, cust, rng)
        say(0.60, "service quality and word of mouth")
        quality = _service_quality(rng)
        cur.register("gen_quality", quality)
        cur.execute(f"INSERT INTO {schema.SERVICE_QUALITY} SELECT quality_date, region, quality_index, NULL FROM gen_quality")
        fb = _feedback(rng, cust, quality)
        cur.register("gen_feedback", fb)
        cur.execute(f"INSERT INTO {schema.FEEDBACK} SELECT *, NULL FROM gen_feedback")
        say(0.75, "assessments")
        asm = _assessments(rng, cust, quality)
        cur.register("gen_assess", asm)
        cur.execute(f"INSERT INTO {schema.ASSESSMENTS} SELECT *, NULL FROM gen_assess")
        say(0.82, "sales pipeline")
        opp = _opportunities(rng, cust)
        cur.register("gen_opp", opp)
        cur.execute(f"INSERT INTO {schema.OPPORTUNITIES} SELECT *, NULL FROM gen_opp")
        say(0.88, "aggregates")
        aggregates.refresh(cur)
        for name in ("gen_cust", "gen_quality", "gen_feedback", "gen_assess", "gen_opp"):
            cur.unregister(name)
        db.set_meta(cur, "currency", "CNY")
        db.set_meta(cur, "data_as_of", END.isoformat())
        db.set_meta(cur, "demo_seed", str(seed))
        counts = {t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in schema.DATA_TABLES}
    say(1.0, "done")
    return DemoSummary(
        customers=counts[schema.CUSTOMERS], transactions=counts[schema.TRANSACTIONS],
        activities=counts[schema.ACTIVITIES], feedback=counts[schema.FEEDBACK],
        assessments=counts[schema.ASSESSMENTS], opportunities=counts[schema.OPPORTUNITIES],
        seconds=time.perf_counter() - t0,
    )


# --------------------------------------------------------------------------- customers
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢")
_GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国文辉鹏玲浩宇欣怡晨思雨子轩梓涵一诺佳琪俊杰嘉怡博文雅婷天佑志强晓东丹红亮")
_EN_FIRST = ("Emily", "David", "Grace", "Kevin", "Linda", "Jason", "Vivian", "Eric", "Sophie", "Leo", "Iris",
             "Daniel", "Cindy", "Frank", "Helen", "Tony", "Amy", "Peter", "Joyce", "Henry")
_EN_LAST = ("Chen", "Wang", "Li", "Zhang", "Liu", "Lin", "Huang", "Wu", "Zhou", "Xu", "Sun", "Ma", "Ho", "Lee")
_CITY = {"North": "北京 天津 石家庄 太原 呼和浩特", "East": "上海 杭州 苏州 南京 宁波 合肥",
         "South": "广州 深圳 厦门 南宁 海口 东莞", "Central": "武汉 长沙 郑州 南昌", "West": "成都 重庆 西安 昆明 兰州"}
_CORE = ["恒通", "宏达", "瑞丰", "天成", "博远", "嘉禾", "中联", "汇鑫", "永泰", "华信", "锦程", "新元", "同创", "鼎盛", "众合", "润泽", "启航", "云帆", "金桥", "立信"]
_IND_ZH = {"Manufacturing": "精密制造", "Retail": "商贸", "Finance": "投资管理", "Logistics": "物流",
           "Healthcare": "医疗器械", "Education": "教育科技", "IT services": "信息技术"}
_EN_CORE = ("Northwind", "Bluewater", "Silverline", "Goldenbridge", "Redwood", "Eastgate", "Brightpath",
            "Summit", "Harbor", "Evergreen", "Pioneer", "Skyline")
_IND_EN = {"Manufacturing": "Manufacturing", "Retail": "Trading", "Finance": "Capital", "Logistics": "Logistics",
           "Healthcare": "Medical", "Education": "Learning", "IT services": "Technologies"}


def _pick(rng: np.random.Generator, options: np.ndarray, n: int, p: np.ndarray | None = None) -> np.ndarray:
    return options[rng.choice(len(options), size=n, p=p)]


def _names(rng: np.random.Generator, ctype: np.ndarray, region: np.ndarray, industry: np.ndarray) -> np.ndarray:
    n = len(ctype)
    out = np.empty(n, dtype=object)
    sur = _pick(rng, np.array(_SURNAMES), n)
    g1, g2 = _pick(rng, np.array(_GIVEN), n), _pick(rng, np.array(_GIVEN), n)
    two = rng.random(n) < 0.6
    english = rng.random(n) < 0.15
    first, last = _pick(rng, np.array(_EN_FIRST), n), _pick(rng, np.array(_EN_LAST), n)
    core, en_core = _pick(rng, np.array(_CORE), n), _pick(rng, np.array(_EN_CORE), n)
    city_u = rng.random(n)
    for i in range(n):  # string assembly only; all randomness was drawn above in vectorised calls
        if ctype[i] == "individual":
            out[i] = f"{first[i]} {last[i]}" if english[i] else sur[i] + g1[i] + (g2[i] if two[i] else "")
        elif english[i]:
            out[i] = f"{en_core[i]} {_IND_EN[industry[i]]} Co., Ltd."
        else:
            cities = _CITY[region[i]].split()
            out[i] = f"{cities[int(city_u[i] * len(cities))]}{core[i]}{_IND_ZH[industry[i]]}有限公司"
    return out


def _customers(rng: np.random.Generator, n: int, n_tx: int) -> pd.DataFrame:
    seg_names = np.array([s[0] for s in SEGMENTS])
    seg_type = np.array([s[1] for s in SEGMENTS])
    share = np.array([s[2] for s in SEGMENTS])
    is_ent = rng.random(n) < 0.30
    p_ent = np.where(seg_type == "enterprise", share, 0.0)
    p_ind = np.where(seg_type == "individual", share, 0.0)
    seg_idx = np.where(is_ent, rng.choice(len(SEGMENTS), n, p=p_ent / p_ent.sum()),
                       rng.choice(len(SEGMENTS), n, p=p_ind / p_ind.sum()))
    segment = seg_names[seg_idx]
    ctype = seg_type[seg_idx]
    region = _pick(rng, np.array(REGIONS), n, np.array(REGION_WEIGHTS))
    industry = np.where(is_ent, _pick(rng, np.array(INDUSTRIES), n), None)
    channel = np.where(
        is_ent,
        _pick(rng, np.array(["Direct sales", "Partner", "Online"]), n, np.array([0.55, 0.35, 0.10])),
        _pick(rng, np.array(["Online", "Retail store", "Partner"]), n, np.array([0.50, 0.38, 0.12])),
    )
    plan = np.where(
        is_ent,
        _pick(rng, np.array(["Annual contract", "Postpaid"]), n, np.array([0.6, 0.4])),
        _pick(rng, np.array(["Prepaid", "Postpaid"]), n, np.array([0.55, 0.45])),
    )
    # Acquisition: a third were customers before the window; the rest arrive at a growing pace.
    before = rng.random(n) < 0.33
    acq_day = np.where(before, -rng.integers(30, 1800, n), (np.sqrt(rng.random(n)) * (DAYS - 20)).astype(int))
    order = np.argsort(acq_day, kind="stable")  # ids in order of acquisition, like a real CRM
    cols = [segment, ctype, region, industry, channel, plan, acq_day, seg_idx]
    segment, ctype, region, industry, channel, plan, acq_day, seg_idx = (c[order] for c in cols)
    is_ent = ctype == "enterprise"

    # Behaviour: heterogeneous purchase rates and spend, lifetimes, cost-to-serve traits.
    heavy = rng.random(n) < np.where(segment == "Key account", HEAVY_KEY, np.where(is_ent, HEAVY_ENT, HEAVY_IND))
    hunter = rng.random(n) < np.where(segment == "Key account", HUNTER_KEY,
                                      np.where(channel == "Online", HUNTER_ONLINE, HUNTER_OTHER))
    # Heavy users buy in many small orders (Kaplan's unprofitable pattern): more often, less each time.
    rate = np.array([s[3] for s in SEGMENTS])[seg_idx] * rng.gamma(2.0, 0.5, n) * np.where(heavy, HEAVY_FREQ, 1.0)
    ticket = (np.array([s[4] for s in SEGMENTS])[seg_idx] * rng.lognormal(0.0, 0.45, n)
              * np.where(heavy, HEAVY_TICKET, 1.0))
    lifetime = rng.exponential(np.array([s[5] for s in SEGMENTS])[seg_idx] * MONTH_DAYS)
    # Active span inside the window, in days from START.
    first = np.maximum(acq_day, 0)
    last = np.minimum(acq_day + lifetime, DAYS - 1)
    alive_span = np.maximum(last - first, 0.0)
    # Dormant spells: 14 % pause 5–14 months. A pause that ends before the customer's lifetime
    # does is a reactivation; one that runs past it leaves the customer dormant (then lost).
    dormant = (rng.random(n) < 0.14) & (alive_span > 200)
    gap_start = np.floor(first + rng.random(n) * alive_span * 0.7)
    gap_len = np.where(dormant, np.floor(rng.uniform(150, 430, n)), 0.0)
    runs_out = dormant & (gap_start + gap_len >= last)
    last = np.where(runs_out, gap_start, last)
    gap_len = np.where(runs_out, 0.0, gap_len)
    alive_span = np.maximum(last - first, 0.0)
    active_days = np.maximum(alive_span - gap_len, 0.0)
    # Scale purchase rates so the expected total matches the requested number of transactions.
    expected = rate * active_days / MONTH_DAYS
    scale = n_tx / max(expected.sum(), 1.0)
    count = rng.poisson(expected * scale)
    has_history = (count > 0) | (acq_day >= 0)
    count = np.where((count == 0) & (acq_day >= 0), 1, count)  # new customers made a first purchase
    ids = np.array([f"C{i + 1:06d}" for i in range(n)], dtype=object)
    # Referrals: 18 % of customers acquired in the window were referred by an earlier customer,
    # more often by a big or happy one (earlier index, weighted towards the top of the list).
    referred = (acq_day >= 0) & (rng.random(n) < 0.18) & (np.arange(n) > 10)
    ref_idx = (np.arange(n) * rng.random(n) ** 1.6).astype(int)
    referred_by = np.where(referred, ids[ref_idx], None)
    acq_cost = np.where(is_ent, np.where(segment == "Key account", 32000.0, 3500.0), 260.0) * rng.lognormal(0, 0.35, n)
    acq_cost = np.where(referred, acq_cost * 0.55, acq_cost)
    names = _names(rng, ctype, region, industry)
    return pd.DataFrame({
        "idx": np.arange(n, dtype=np.int64),
        "customer_id": ids,
        "name": names,
        "customer_type": ctype,
        "segment": segment,
        "region": region,
        "industry": industry,
        "channel": channel,
        "plan": plan,
        "acquired_on": pd.to_datetime(START) + pd.to_timedelta(acq_day, unit="D"),
        "acquisition_cost": acq_cost,
        "referred_by": referred_by,
        "is_ent": is_ent,
        "key": segment == "Key account",
        "heavy": heavy,
        "hunter": hunter,
        "first_day": first.astype(np.int64),
        "new_in_window": acq_day >= 0,
        "active_days": np.maximum(active_days, 1.0),
        "gap_start": gap_start.astype(np.int64),
        "gap_len": gap_len.astype(np.int64),
        "dormant": dormant,
        "n_tx": np.where(has_history, count, 0).astype(np.int64),
        "ticket": ticket,
        "months_active": np.maximum(active_days, 1.0) / MONTH_DAYS,
        "postpaid": plan != "Prepaid",
        "lifetime_end": last.astype(np.int64),
    })


def _rates(cur: duckdb.DuckDBPyConnection) -> None:
    rows = [(a, cost, frm, unit) for a, unit, hist in RATES for frm, cost in hist]
    cur.executemany(f"INSERT INTO {schema.ACTIVITY_RATES} VALUES (?, ?, ?, ?, NULL)", rows)


def _product_case(kind: str) -> str:
    """A CASE mapping a uniform u to a product of the customer type (cumulative weights)."""
    items = [p for p in PRODUCTS if p[1] == kind]
    total = sum(p[2] for p in items)
    acc, whens = 0.0, []
    for name, _, w, _, _ in items[:-1]:
        acc += w / total
        whens.append(f"WHEN u_prod < {acc:.6f} THEN '{name}'")
    return f"CASE {' '.join(whens)} ELSE '{items[-1][0]}' END"


def _transactions(cur: duckdb.DuckDBPyConnection) -> None:
    margin = {(p[0], p[1]): p[3] for p in PRODUCTS}
    margin_case = " ".join(
        f"WHEN product = '{name}' AND customer_type = '{kind}' THEN {m}" for (name, kind), m in margin.items()
    )
    start = START.isoformat()
    cur.execute(f"""
    CREATE TEMP TABLE gen_tx AS
    WITH ev AS (
        SELECT c.idx, c.customer_id, c.customer_type, c.ticket, c.heavy, c.hunter, c.key,
               unnest(range(c.n_tx)) AS seq, c.new_in_window, c.first_day, c.active_days, c.gap_start, c.gap_len
        FROM gen_cust c WHERE c.n_tx > 0
    ), placed AS (
        SELECT *, rnd(idx, seq, 1) AS u_prod,
               -- the first purchase is on the acquisition date when that lies in the window
               CASE WHEN seq = 0 AND new_in_window THEN first_day ELSE first_day + floor(rnd(idx, seq, 2) * active_days)::BIGINT END AS d0
        FROM ev
    ), dated AS (
        SELECT *, CASE WHEN d0 >= gap_start AND gap_len > 0 THEN d0 + gap_len ELSE d0 END AS day
        FROM placed
    ), priced AS (
        SELECT idx, customer_id, customer_type, heavy, hunter, key, seq,
               day,
               CASE WHEN customer_type = 'individual' THEN {_product_case('individual')}
                    ELSE {_product_case('enterprise')} END AS product,
               ticket * exp(0.35 * rnorm(idx, seq, 3)) AS gross,
               rnd(idx, seq, 4) < CASE WHEN heavy THEN 0.07 ELSE 0.012 END AS is_return
        FROM dated
    )
    SELECT idx, customer_id, customer_type, seq, DATE '{start}' + CAST(day AS INTEGER) AS tx_date, product,
           heavy, hunter, key,
           CASE WHEN is_return THEN -1 ELSE 1 END
             * CASE WHEN product = 'Devices' THEN 1 + floor(rnd(idx, seq, 5) * 3) ELSE 1 END AS quantity,
           round(CASE WHEN is_return THEN -0.8 ELSE 1 END * gross, 2) AS revenue,
           round(CASE WHEN is_return THEN -0.8 ELSE 1 END * gross
                 * (1 - (CASE {margin_case} ELSE 0.3 END) * (CASE WHEN hunter THEN {HUNTER_MARGIN} ELSE 1 END)
                      * exp(0.12 * rnorm(idx, seq, 6))), 2) AS cogs,
           is_return
    FROM priced
    """)
    cur.execute(f"""
    INSERT INTO {schema.TRANSACTIONS}
    SELECT printf('T%010d', row_number() OVER (ORDER BY tx_date, idx, seq)), customer_id, tx_date, product,
           quantity, revenue, cogs, NULL
    FROM gen_tx
    """)


def _activities(cur: duckdb.DuckDBPyConnection, cust: pd.DataFrame, rng: np.random.Generator) -> None:
    physical = ", ".join(sorted({f"'{p[0]}'" for p in PRODUCTS if p[4]}))
    # Per-customer counts of activities that are not tied to a purchase.
    m = cust["months_active"].to_numpy() * (cust["n_tx"].to_numpy() > 0)
    ent, key, heavy = cust["is_ent"].to_numpy(), cust["key"].to_numpy(), cust["heavy"].to_numpy()
    calls = rng.poisson(m * np.where(heavy, np.where(ent, 3.0, 0.9), np.where(ent, 0.35, 0.05)))
    visits = rng.poisson(m * np.where(key, np.where(heavy, 2.6, 1.3), np.where(ent, np.where(heavy, 0.45, 0.18), 0.0)))
    onsite = rng.poisson(m * np.where(ent & heavy, np.where(key, 1.4, 0.22), 0.0))
    counts = pd.DataFrame({"idx": cust["idx"], "calls": calls, "visits": visits, "onsite": onsite})
    cur.register("gen_act_counts", counts)
    start = START.isoformat()
    cur.execute(f"""
    CREATE TEMP TABLE gen_act AS
    -- activities caused by purchases
    SELECT customer_id, tx_date AS activity_date, 'delivery' AS activity, 1.0 AS quantity, idx, seq, 1 AS k
    FROM gen_tx WHERE product IN ({physical}) AND NOT is_return
      AND (product = 'Devices' OR (customer_type = 'enterprise' AND rnd(idx, seq, 19) < 0.35))
    UNION ALL
    SELECT customer_id, tx_date, 'rush_order', 1.0, idx, seq, 2
    FROM gen_tx WHERE NOT is_return AND (customer_type = 'enterprise' OR product = 'Devices')
      AND rnd(idx, seq, 20) < CASE WHEN heavy THEN 0.30 WHEN key THEN 0.10 ELSE 0.025 END
    UNION ALL
    SELECT customer_id, tx_date, 'return', 1.0, idx, seq, 3 FROM gen_tx WHERE is_return
    UNION ALL
    SELECT customer_id, tx_date, 'rebate',
           round(revenue * CASE WHEN hunter THEN {HUNTER_REBATE} * (0.6 + 0.8 * rnd(idx, seq, 21)) ELSE 0.04 END, 2), idx, seq, 4
    FROM gen_tx WHERE NOT is_return AND (hunter OR rnd(idx, seq, 22) < 0.06)
    UNION ALL
    SELECT t.customer_id, t.tx_date, 'payment_terms',
           round(t.revenue * CASE WHEN t.key THEN 2.5 ELSE 1.0 END * (0.5 + rnd(t.idx, t.seq, 23)), 2), t.idx, t.seq, 5
    FROM gen_tx t JOIN gen_cust c USING (idx) WHERE c.postpaid AND NOT t.is_return AND c.is_ent
    UNION ALL
    -- activities spread over the customer's active months
    SELECT c.customer_id,
           DATE '{start}' + CAST(least(s.d0 + CASE WHEN s.d0 >= c.gap_start AND c.gap_len > 0 THEN c.gap_len ELSE 0 END,
                                       {DAYS - 1}) AS INTEGER),
           s.activity, 1.0, c.idx, s.i, s.k
    FROM (SELECT x.*, g.first_day + floor(rnd(x.idx, x.i, 30 + x.k) * g.active_days)::BIGINT AS d0
          FROM (SELECT idx, unnest(range(calls)) AS i, 'support_call' AS activity, 6 AS k FROM gen_act_counts
                UNION ALL SELECT idx, unnest(range(visits)), 'sales_visit', 7 FROM gen_act_counts
                UNION ALL SELECT idx, unnest(range(onsite)), 'onsite_support', 8 FROM gen_act_counts) x
          JOIN gen_cust g USING (idx)) s
    JOIN gen_cust c USING (idx)
    """)
    cur.execute(f"""
    INSERT INTO {schema.ACTIVITIES}
    SELECT printf('A%010d', row_number() OVER (ORDER BY activity_date, idx, k, seq)), customer_id, activity_date,
           activity, quantity, NULL
    FROM gen_act
    """)
    cur.unregister("gen_act_counts")
    cur.execute("DROP TABLE gen_act")
    cur.execute("DROP TABLE gen_tx")


# ------------------------------------------------------------------ word of mouth
COMPLAINT_THRESHOLD = 72.0
PRAISE_THRESHOLD = 86.0


def _service_quality(rng: np.random.Generator) -> pd.DataFrame:
    """Daily quality index per region: a slow drift, weekly noise and planted incidents."""
    days = np.arange(DAYS)
    frames = []
    for r_i, region in enumerate(REGIONS):
        drift = np.cumsum(rng.normal(0, 0.18, DAYS))
        drift -= np.linspace(0, drift[-1], DAYS)  # pinned at both ends: no runaway walk
        base = 80.0 + 2.0 * np.sin(2 * np.pi * (days / 365.25 + r_i / 5)) + drift
        if region == "South":  # capacity crunch: spring 2025, recovered by autumn
            base -= 20.0 * _bump(days, 500, 120)
        if region == "North":  # outage in late summer 2024
            base -= 13.0 * _bump(days, 290, 45)
        if region == "East":  # network upgrade through 2026 lifts quality above the praise threshold
            base += 11.0 * np.clip((days - 820) / 150, 0, 1)
        if region == "West":  # a short dip at the end of the window: a fresh turning point
            base -= 11.0 * _bump(days, DAYS - 30, 40)
        idx = np.clip(base + rng.normal(0, 1.2, DAYS), 0, 100).round(1)
        frames.append(pd.DataFrame({
            "quality_date": pd.to_datetime(START) + pd.to_timedelta(days, unit="D"),
            "region": region,
            "quality_index": idx,
        }))
    return pd.concat(frames, ignore_index=True)


def _bump(days: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((days - centre) / (width / 2.0)) ** 2)


def _feedback(rng: np.random.Generator, cust: pd.DataFrame, quality: pd.DataFrame) -> pd.DataFrame:
    """Praise, complaints and NPS survey answers, driven by the day's regional service quality."""
    n_cust = len(cust)
    per_region = cust.groupby("region").size().reindex(list(REGIONS)).fillna(0).to_numpy()
    q = quality["quality_index"].to_numpy().reshape(len(REGIONS), DAYS)
    # Customers alive on a day, roughly: the region's customers times the share alive on that day.
    alive_share = np.clip(0.35 + 0.45 * np.arange(DAYS) / DAYS, 0, 1)
    exposure = per_region[:, None] * alive_share[None, :]
    comp_rate = 0.012 * np.exp(0.19 * np.clip(COMPLAINT_THRESHOLD - q, 0, None)) * exposure / 30
    praise_rate = 0.009 * np.exp(0.28 * np.clip(q - PRAISE_THRESHOLD, 0, None)) * exposure / 30
    survey_rate = 0.05 * exposure / 30
    parts = []
    for kind, lam in (("complaint", comp_rate), ("praise", praise_rate), ("other", survey_rate)):
        counts = rng.poisson(lam)  # rates are per customer-month; /30 turned them into per day
        r_i, d_i = np.nonzero(counts)
        reps = counts[r_i, d_i]
        parts.append(pd.DataFrame({"kind": kind, "r": np.repeat(r_i, reps), "d": np.repeat(d_i, reps)}))
    ev = pd.concat(parts, ignore_index=True)
    n = len(ev)
    # Who speaks: a customer of the region, alive on the day if one of 8 draws is; heavy users
    # complain more, big accounts praise more.
    region_arr = cust["region"].to_numpy()
    heavy = cust["heavy"].to_numpy()
    weight_c = np.where(heavy, 5.0, 1.0)
    weight_p = np.where(cust["key"].to_numpy() | (cust["segment"].to_numpy() == "Premium"), 2.5, 1.0)
    who = np.empty(n, dtype=np.int64)
    first_day, end_day = cust["first_day"].to_numpy(), cust["lifetime_end"].to_numpy()
    has_tx = cust["n_tx"].to_numpy() > 0
    for r_i, region in enumerate(REGIONS):
        members = np.nonzero((region_arr == region) & has_tx)[0]
        if len(members) == 0:
            members = np.arange(n_cust)
        for kind, w in (("complaint", weight_c), ("praise", weight_p), ("other", np.ones(n_cust))):
            sel = np.nonzero((ev["r"].to_numpy() == r_i) & (ev["kind"].to_numpy() == kind))[0]
            if len(sel) == 0:
                continue
            cw = np.cumsum(w[members])
            cand = members[np.searchsorted(cw, rng.random((len(sel), 8)) * cw[-1])]
            day = ev["d"].to_numpy()[sel][:, None]
            ok = (first_day[cand] <= day) & (end_day[cand] >= day)
            pick = np.where(ok.any(axis=1), cand[np.arange(len(sel)), ok.argmax(axis=1)], cand[:, 0])
            who[sel] = pick
    ev["idx"] = who
    qd = q[ev["r"].to_numpy(), ev["d"].to_numpy()]
    heavy_w = heavy[who]
    # NPS on survey answers: promoters when quality is high and the customer is not a heavy user.
    mood = (qd - 78) / 6 + rng.normal(0, 1.6, n) - 0.9 * heavy_w
    score = np.clip(np.round(7.6 + 1.4 * mood), 0, 10).astype(int)
    kind = ev["kind"].to_numpy()
    nps = np.where(kind == "other", score, np.where(rng.random(n) < 0.3,
                   np.where(kind == "praise", np.clip(score + 2, 9, 10), np.clip(score - 4, 0, 6)), -1))
    c_topic = rng.integers(0, len(COMPLAINT_TOPICS), n)
    p_topic = rng.integers(0, len(PRAISE_TOPICS), n)
    zh = rng.random(n) < 0.8
    topic = np.where(kind == "complaint", [COMPLAINT_TOPICS[i][0] for i in c_topic],
                     np.where(kind == "praise", [PRAISE_TOPICS[i][0] for i in p_topic], "Survey"))
    text = np.where(
        kind == "complaint", [COMPLAINT_TOPICS[i][1 if z else 2] for i, z in zip(c_topic, zh, strict=True)],
        np.where(kind == "praise", [PRAISE_TOPICS[i][1 if z else 2] for i, z in zip(p_topic, zh, strict=True)], None),
    )
    channel = _pick(rng, np.array(FEEDBACK_CHANNELS), n, np.array([0.3, 0.22, 0.2, 0.08, 0.1, 0.1]))
    channel = np.where(kind == "other", "Survey", channel)
    out = pd.DataFrame({
        "d": ev["d"].to_numpy(), "idx": who, "kind": kind,
        "nps_score": pd.array(np.where(nps < 0, None, nps), dtype="Int64"),
        "channel": channel, "topic": topic, "text": text,
    }).sort_values(["d", "idx", "kind"], kind="stable", ignore_index=True)
    return pd.DataFrame({
        "feedback_id": [f"F{i + 1:08d}" for i in range(len(out))],
        "customer_id": cust["customer_id"].to_numpy()[out["idx"].to_numpy()],
        "feedback_date": pd.to_datetime(START) + pd.to_timedelta(out["d"], unit="D"),
        "kind": out["kind"], "nps_score": out["nps_score"], "channel": out["channel"],
        "topic": out["topic"], "text": out["text"],
    })


def _assessments(rng: np.random.Generator, cust: pd.DataFrame, quality: pd.DataFrame) -> pd.DataFrame:
    """Account reviews and surveys of delivered value, 0–10 scales, about every six months."""
    live = cust[cust["n_tx"] > 0]
    chosen = live[rng.random(len(live)) < 0.65]
    reps = rng.integers(1, 5, len(chosen))
    idx = np.repeat(chosen["idx"].to_numpy(), reps)
    c = cust.set_index("idx").loc[idx]
    first, end = c["first_day"].to_numpy(), np.minimum(c["lifetime_end"].to_numpy() + 60, DAYS - 1)
    day = (first + rng.random(len(idx)) * np.maximum(end - first, 1)).astype(int)
    q = quality["quality_index"].to_numpy().reshape(len(REGIONS), DAYS)
    r_i = np.array([REGIONS.index(r) for r in c["region"]])
    qd = q[r_i, np.clip(day, 0, DAYS - 1)]
    n = len(idx)
    heavy, hunter, key = c["heavy"].to_numpy(), c["hunter"].to_numpy(), c["key"].to_numpy()
    premium = key | (c["segment"].to_numpy() == "Premium")

    def score(mu: np.ndarray | float, sd: float = 0.9) -> np.ndarray:
        return np.clip(np.round(mu + rng.normal(0, sd, n), 1), 0, 10)

    out = pd.DataFrame({
        "assessment_id": [f"S{i + 1:07d}" for i in range(n)],
        "customer_id": c["customer_id"].to_numpy(),
        "assessed_on": pd.to_datetime(START) + pd.to_timedelta(day, unit="D"),
        "product_value": score(6.8 + 0.6 * premium),
        "service_value": score(6.4 + (qd - 78) / 7 - 0.6 * heavy + 0.8 * key),
        "personnel_value": score(6.5 + 0.9 * key),
        "image_value": score(6.2 + 0.5 * premium),
        "money_cost": score(6.0 - 1.8 * hunter - 0.5 * key),
        "time_cost": score(3.4 + 1.6 * heavy - (qd - 78) / 12),
        "energy_cost": score(3.0 + 1.2 * heavy),
        "psychic_cost": score(2.6 + 1.4 * heavy + np.clip(72 - qd, 0, None) / 4),
    })
    expect = 7.0 + 0.9 * premium
    out["expectation_material"] = score(expect, 0.6)
    out["perception_material"] = score(out["product_value"] * 0.9 + 0.6, 0.6)
    out["expectation_spiritual"] = score(expect - 0.2, 0.6)
    out["perception_spiritual"] = score(out["service_value"] * 0.8 + 1.2 - 0.5 * heavy, 0.7)
    has_social = rng.random(n) < 0.55
    out["expectation_social"] = np.where(has_social, score(6.2 + 0.4 * c["is_ent"].to_numpy(), 0.7), np.nan)
    out["perception_social"] = np.where(has_social, score(out["image_value"] * 0.9 + 0.5, 0.8), np.nan)
    return out.sort_values(["assessed_on", "customer_id"], kind="stable", ignore_index=True).assign(
        assessment_id=lambda d: [f"S{i + 1:07d}" for i in range(len(d))]
    )


def _opportunities(rng: np.random.Generator, cust: pd.DataFrame) -> pd.DataFrame:
    """The sales pipeline: won deals behind enterprise acquisitions, lost deals, open prospects."""
    won = cust[(cust["is_ent"]) & (cust["acquired_on"] >= pd.Timestamp(START))]
    n_w = len(won)
    created = won["acquired_on"] - pd.to_timedelta(rng.integers(20, 120, n_w), unit="D")
    won_df = pd.DataFrame({
        "customer_id": won["customer_id"].to_numpy(), "prospect_name": won["name"].to_numpy(),
        "stage": "won", "created_on": created.to_numpy(), "closed_on": won["acquired_on"].to_numpy(),
        "amount": np.round(won["ticket"].to_numpy() * 12 * rng.uniform(0.6, 1.4, n_w), -2),
        "region": won["region"].to_numpy(), "channel": won["channel"].to_numpy(),
    })
    n_l = int(n_w * 1.4) + 1
    lost_created = pd.to_datetime(START) + pd.to_timedelta(rng.integers(-60, DAYS - 60, n_l), unit="D")
    core, inds = np.array(_CORE), np.array(list(_IND_ZH.values()))
    names = [f"{a}{b}有限公司" for a, b in zip(_pick(rng, core, n_l), _pick(rng, inds, n_l), strict=True)]
    lost_df = pd.DataFrame({
        "customer_id": None, "prospect_name": names, "stage": "lost", "created_on": lost_created,
        "closed_on": lost_created + pd.to_timedelta(rng.integers(15, 150, n_l), unit="D"),
        "amount": np.round(rng.lognormal(np.log(60000), 0.8, n_l), -2),
        "region": _pick(rng, np.array(REGIONS), n_l), "channel": _pick(rng, np.array(["Direct sales", "Partner"]), n_l),
    })
    # Open pipeline at the end of the window: targets, prospects and qualified opportunities.
    n_o = max(int(len(cust) * 0.06), 3)
    stage = _pick(rng, np.array(["target", "prospect", "opportunity"]), n_o, np.array([0.45, 0.33, 0.22]))
    open_created = pd.to_datetime(END) - pd.to_timedelta(rng.integers(0, 200, n_o), unit="D")
    open_names = [f"{a}{b}有限公司" for a, b in zip(_pick(rng, core, n_o), _pick(rng, inds, n_o), strict=True)]
    open_df = pd.DataFrame({
        "customer_id": None, "prospect_name": open_names, "stage": stage, "created_on": open_created,
        "closed_on": pd.NaT, "amount": np.round(rng.lognormal(np.log(50000), 0.9, n_o), -2),
        "region": _pick(rng, np.array(REGIONS), n_o), "channel": _pick(rng, np.array(["Direct sales", "Partner"]), n_o),
    })
    # Upsell opportunities with existing customers.
    existing = cust[cust["is_ent"] & (cust["n_tx"] > 0)]
    ups = existing.sample(n=min(len(existing), max(n_o // 2, 1)), random_state=int(rng.integers(1 << 31)))
    up_df = pd.DataFrame({
        "customer_id": ups["customer_id"].to_numpy(), "prospect_name": ups["name"].to_numpy(),
        "stage": "opportunity",
        "created_on": pd.to_datetime(END) - pd.to_timedelta(rng.integers(0, 120, len(ups)), unit="D"),
        "closed_on": pd.NaT, "amount": np.round(ups["ticket"].to_numpy() * 6, -2),
        "region": ups["region"].to_numpy(), "channel": ups["channel"].to_numpy(),
    })
    out = pd.concat([won_df, lost_df, open_df, up_df], ignore_index=True)
    out["created_on"] = pd.to_datetime(out["created_on"]).clip(upper=pd.Timestamp(END))
    out["closed_on"] = pd.to_datetime(out["closed_on"]).clip(upper=pd.Timestamp(END))
    out = out.sort_values(["created_on", "prospect_name"], kind="stable", ignore_index=True)
    out.insert(0, "opportunity_id", [f"O{i + 1:06d}" for i in range(len(out))])
    return out[["opportunity_id", "customer_id", "prospect_name", "stage", "created_on", "closed_on",
                "amount", "region", "channel"]]
