"""Customer value analytics: pure functions over the DuckDB store (no UI code here).

A module or package per concept: :mod:`~analytics.store` (the file, its schema and every write),
:mod:`~analytics.profit` (customer P&L with activity-based cost to serve),
:mod:`~analytics.concentration`, :mod:`~analytics.delivered_value`, :mod:`~analytics.word_of_mouth`,
:mod:`~analytics.clv`, :mod:`~analytics.lifecycle`, :mod:`~analytics.ingest` and the others named
in README.md's architecture tree. Functions take a DuckDB cursor and a
:class:`~analytics.filters.Filters`.
"""
