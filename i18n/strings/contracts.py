"""Contracts (issue 17): the ``contracts`` table on the Data page and the contract customers'
section of the Customer value page. In a module of their own so that they change apart from the
pages' other strings."""

STRINGS: dict[str, tuple[str, str]] = {
    # ---- the table on the Data page (upload, templates, forms)
    "data.table.contracts": ("合同（续约与取消）", "Contracts (renewals and cancellations)"),
    "data.col.contract_id": ("合同编号", "Contract ID"),
    "data.col.start_date": ("开始日期", "Start date"),
    "data.col.end_date": ("结束日期（到期或终止）", "End date (term end or cancellation)"),
    "data.col.status": ("状态", "Status"),
}

# The contract statuses as the app shows them (ingest also accepts these spellings).
VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "status": {"active": ("生效中", "Active"), "renewed": ("已续约", "Renewed"), "cancelled": ("已取消", "Cancelled")},
}
