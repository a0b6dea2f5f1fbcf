"""Customer value analytics: pure functions over the DuckDB store (no UI code here).

One module per concept: :mod:`~analytics.profit` (customer P&L with activity-based cost to
serve), :mod:`~analytics.concentration` (whale curve, 20/80/30), :mod:`~analytics.overview`,
:mod:`~analytics.word_of_mouth`, and the store itself in :mod:`~analytics.store.db` and
:mod:`~analytics.store.schema`. Functions take a DuckDB cursor and a :class:`~analytics.filters.Filters`.
"""
