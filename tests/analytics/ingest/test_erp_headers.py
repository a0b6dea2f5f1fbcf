"""Issue 19: the headers of common Chinese ERP exports (Kingdee, Yonyou, a shop's order export) are recognised
without a hand mapping: each on its own, and whole exports as they come."""

from __future__ import annotations

import pytest

from analytics.ingest.mapping import auto_map, recognise

# header -> the field it fills (a transactions file)
ERP_HEADERS = {
    # invoice / order number (one document, several lines)
    "单据编号": "invoice", "单据号": "invoice", "订单号": "invoice", "销售单号": "invoice", "出库单号": "invoice",
    "销售出库单号": "invoice", "出库单编号": "invoice", "发货单号": "invoice", "单据号码": "invoice",
    # customer
    "客户编号": "customer_id", "客户编码": "customer_id", "客户代码": "customer_id", "会员编号": "customer_id",
    "客户名称": "customer_name", "往来单位": "customer_name", "往来单位名称": "customer_name", "购货单位": "customer_name",
    # date
    "单据日期": "tx_date", "业务日期": "tx_date", "出库日期": "tx_date", "发货日期": "tx_date", "开票日期": "tx_date",
    "发票日期": "tx_date", "记账日期": "tx_date", "订单日期": "tx_date", "下单时间": "tx_date",
    # product
    "物料名称": "product", "物料编码": "product", "存货名称": "product", "存货编码": "product", "货品名称": "product",
    "货品编码": "product", "商品名称": "product", "产品编码": "product", "物料": "product", "存货": "product",
    # quantity
    "销售数量": "quantity", "实发数量": "quantity", "出库数量": "quantity", "发货数量": "quantity",
    "开票数量": "quantity", "主数量": "quantity", "基本数量": "quantity",
    # amounts
    "含税金额": "revenue", "价税合计": "revenue", "本币价税合计": "revenue", "销售金额": "revenue",
    "不含税金额": "revenue", "无税金额": "revenue", "本币无税金额": "revenue", "开票金额": "revenue",
    "含税单价": "unit_price", "不含税单价": "unit_price", "无税单价": "unit_price", "本币含税单价": "unit_price",
    "成本金额": "cogs", "销售成本": "cogs", "总成本": "cogs", "成本总额": "cogs", "出库成本": "cogs",
}


@pytest.mark.parametrize(("header", "field"), sorted(ERP_HEADERS.items()))
def test_each_erp_header_is_recognised_on_its_own(header, field):
    assert dict(auto_map("transactions", [header]).columns) == {field: header}
    # as a Big5 export writes it, and with a unit in brackets
    assert dict(auto_map("transactions", [f"{header}(元)"]).columns) == {field: f"{header}(元)"}


def test_a_kingdee_style_sales_outbound_export_maps_whole():
    cols = ["单据编号", "业务日期", "客户编码", "客户名称", "物料编码", "物料名称", "实发数量", "含税单价", "价税合计",
            "不含税金额", "成本金额", "备注"]
    rec = recognise("transactions", cols)
    assert dict(rec.mapping.columns) == {
        "invoice": "单据编号", "tx_date": "业务日期", "customer_id": "客户编码", "customer_name": "客户名称",
        "product": "物料编码", "quantity": "实发数量", "unit_price": "含税单价", "revenue": "价税合计",
        "cogs": "成本金额"}  # 含税 before 不含税: the analyst may pick the other; 备注 stays unmapped
    assert dict(rec.how)["revenue"] == "synonym"


def test_a_yonyou_style_export_maps_whole():
    cols = ["销售出库单号", "单据日期", "客户代码", "往来单位名称", "存货名称", "主数量", "无税单价", "本币无税金额",
            "出库成本"]
    assert dict(auto_map("transactions", cols).columns) == {
        "invoice": "销售出库单号", "tx_date": "单据日期", "customer_id": "客户代码", "customer_name": "往来单位名称",
        "product": "存货名称", "quantity": "主数量", "unit_price": "无税单价", "revenue": "本币无税金额",
        "cogs": "出库成本"}
