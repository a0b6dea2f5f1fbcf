"""Translations of category values stored in the data (the demo's and common ERP codes).

Data loaded by analysts may use any values; unknown ones are shown as stored. A strings module
of :mod:`i18n.strings` may add its own ``VALUES = {column: {raw: (zh, en)}}``.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "region": {
        "North": ("华北", "North"), "East": ("华东", "East"), "South": ("华南", "South"),
        "Central": ("华中", "Central"), "West": ("西部", "West"),
    },
    "segment": {
        "Key account": ("大客户", "Key account"), "Corporate": ("企业客户", "Corporate"),
        "SMB": ("中小企业", "SMB"), "Premium": ("高端个人", "Premium"), "Mass": ("大众个人", "Mass"),
    },
    "customer_type": {"enterprise": ("企业", "Enterprise"), "individual": ("个人", "Individual"),
                      "unknown": ("未知", "Unknown")},  # created from transactions, until a customer file says otherwise
    "channel": {
        "Direct sales": ("直销", "Direct sales"), "Partner": ("合作伙伴", "Partner"), "Online": ("线上", "Online"),
        "Retail store": ("门店", "Retail store"), "Hotline": ("热线", "Hotline"), "App": ("App", "App"),
        "WeChat": ("微信", "WeChat"), "Email": ("邮件", "Email"), "Store": ("门店", "Store"),
        "Account manager": ("客户经理", "Account manager"), "Survey": ("问卷", "Survey"),
    },
    "plan": {
        "Prepaid": ("预付费", "Prepaid"), "Postpaid": ("后付费", "Postpaid"),
        "Annual contract": ("年度合同", "Annual contract"),
        "prepaid": ("预付费", "Prepaid"), "postpaid": ("后付费", "Postpaid"),
    },
    "industry": {
        "Manufacturing": ("制造业", "Manufacturing"), "Retail": ("零售", "Retail"), "Finance": ("金融", "Finance"),
        "Logistics": ("物流", "Logistics"), "Healthcare": ("医疗", "Healthcare"), "Education": ("教育", "Education"),
        "IT services": ("信息技术服务", "IT services"),
    },
    "product": {
        "unspecified": ("未指定", "Unspecified"),  # a transactions file without a product column
        "Mobile plan": ("移动套餐", "Mobile plan"), "Broadband": ("宽带", "Broadband"), "Devices": ("终端设备", "Devices"),
        "Value-added services": ("增值业务", "Value-added services"),
        "Enterprise mobile": ("企业移动", "Enterprise mobile"), "Dedicated line": ("专线", "Dedicated line"),
        "Cloud services": ("云服务", "Cloud services"), "IoT connectivity": ("物联网连接", "IoT connectivity"),
    },
    "activity": {
        "sales_visit": ("销售拜访", "Sales visits"), "onsite_support": ("上门技术支持", "On-site support"),
        "support_call": ("客服电话", "Support calls"), "delivery": ("配送", "Deliveries"),
        "rush_order": ("加急订单", "Rush orders"), "return": ("退货处理", "Returns"),
        "rebate": ("折扣与返利", "Discounts and rebates"), "payment_terms": ("账期融资", "Payment-term financing"),
    },
    "unit": {
        "visit": ("次", "visit"), "call": ("通", "call"), "shipment": ("次", "shipment"), "order": ("单", "order"),
        "return": ("次", "return"), "CNY": ("元", "CNY"), "CNY·month": ("元·月", "CNY·month"),
    },
    "kind": {"praise": ("表扬", "Praise"), "complaint": ("投诉", "Complaint"), "other": ("其他", "Other")},
    "topic": {
        "Network": ("网络", "Network"), "Billing": ("账单", "Billing"), "Service": ("服务", "Service"),
        "Delivery": ("交付", "Delivery"), "Price": ("价格", "Price"), "Product": ("产品", "Product"),
        "Survey": ("问卷", "Survey"),
    },
    "stage": {
        "target": ("目标客户", "Target"), "prospect": ("潜在客户", "Prospect"), "opportunity": ("商机", "Opportunity"),
        "won": ("赢单", "Won"), "lost": ("丢单", "Lost"), "new": ("新客户", "New"), "active": ("活跃", "Active"),
        "dormant": ("休眠", "Dormant"), "reactivated": ("已唤醒", "Reactivated"), "churned": ("流失", "Lost"),
    },
}
VALUES["feedback_channel"] = VALUES["channel"]


@cache
def all_values() -> dict[str, dict[str, tuple[str, str]]]:
    """:data:`VALUES` merged with the ``VALUES`` of every strings module."""
    from i18n import strings

    merged = {col: dict(m) for col, m in VALUES.items()}
    for info in sorted(pkgutil.iter_modules(strings.__path__), key=lambda m: m.name):
        extra = getattr(importlib.import_module(f"i18n.strings.{info.name}"), "VALUES", {})
        for col, mapping in extra.items():
            merged.setdefault(col, {}).update(mapping)
    return merged


def translate(column: str, raw: object, lang: str) -> str:
    """The display form of ``raw`` in ``column`` for ``lang``; the raw value when none is known."""
    if raw is None or (isinstance(raw, float) and raw != raw):
        return "—"
    text = str(raw)
    pair = all_values().get(column, {}).get(text)
    if pair is None:
        return text
    return pair[0] if lang == "zh" else pair[1]
