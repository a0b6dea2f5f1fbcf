"""Profit concentration (DOMAIN.md §1): the whale curve and the 20/80/30 figures, by group, and the
customers behind them.

* :mod:`~analytics.concentration.figures`: ranking, the figures, the whale curve, the page's
  headline and the ``report`` keys (definitions there);
* :mod:`~analytics.concentration.groups`: attributes, products (cost to serve allocated) and
  periods as groups to compare;
* :mod:`~analytics.concentration.customers`: loss drivers, top and loss tables, the P&L bridge, search.

This module re-exports the names used outside the package.
"""

from analytics.concentration.customers import (
    TABLE_KINDS,
    Bridge,
    CustomerTable,
    LossDrivers,
    activity_drivers,
    bridge,
    customer_table,
    loss_drivers,
    rank_range,
    search_customers,
)
from analytics.concentration.figures import (
    BOTTOM_SHARE,
    GROUP_COLUMNS,
    NO_GROUP,
    REPORT_KEYS,
    TOP_SHARE,
    ConcentrationFigures,
    RateMap,
    Summary,
    by_group,
    downsample,
    figures,
    gini,
    rank,
    report_section,
    summary,
    top_count,
    whale_curve,
)
from analytics.concentration.groups import (
    ATTRIBUTE_DIMENSIONS,
    DIMENSIONS,
    PERIOD_UNITS,
    UNIT_COLUMNS,
    Units,
    allocate_to_products,
    compare,
    data_span,
    periods,
    product_sales,
    units,
)

__all__ = ["ATTRIBUTE_DIMENSIONS", "BOTTOM_SHARE", "DIMENSIONS", "GROUP_COLUMNS", "NO_GROUP", "PERIOD_UNITS",
           "REPORT_KEYS", "TABLE_KINDS", "TOP_SHARE", "UNIT_COLUMNS", "Bridge", "ConcentrationFigures", "CustomerTable",
           "LossDrivers", "RateMap", "Summary", "Units", "activity_drivers", "allocate_to_products", "bridge",
           "by_group", "compare", "customer_table", "data_span", "downsample", "figures", "gini", "loss_drivers",
           "periods", "product_sales", "rank", "rank_range", "report_section", "search_customers", "summary", "top_count", "units",
           "whale_curve"]
