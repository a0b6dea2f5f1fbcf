"""The demo business's shape: its period, regions, segments, products, activity rates, the
cost-to-serve behaviours, feedback topics, and the service-quality thresholds where word of mouth
turns (part of :mod:`analytics.demo`).
"""

from __future__ import annotations

import datetime as dt

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
# customers losing money; tests/analytics/demo/test_demo.py guards the shape).
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

# Word of mouth turns below / above these service-quality indices.
COMPLAINT_THRESHOLD = 72.0
PRAISE_THRESHOLD = 86.0
