"""The read layer: every relation the analytics read, written once in Ibis, run on DuckDB or Spark.

Analytics build Ibis expressions over the store's tables (:func:`table`) and the filter
(:mod:`analytics.query.relations`), and run them with :func:`df` / :func:`row` on whatever they
were given as ``cur``:

* a DuckDB cursor on the store (the embedded default): the expression is compiled to DuckDB SQL and
  executed on that cursor, so the cursor-per-query rule and DuckDB's own speed are kept;
* an :class:`Engine` for another backend (:mod:`analytics.query.spark`: Spark local mode over the
  store exported to Parquet, a Spark catalog, or Spark Connect): the same expression compiled for
  it, the (per-customer, per-month) result pulled back to pandas, where the models run.

Writes never come here: the store (:mod:`analytics.store`) owns them.
"""

from analytics.query.engine import Engine, backend_name, date_value, df, row, scalar, to_sql
from analytics.query.tables import table

__all__ = ["Engine", "backend_name", "date_value", "df", "row", "scalar", "table", "to_sql"]
