"""The store: the DuckDB file, its schema, and every write to it.

* :mod:`~analytics.store.schema`: the data contract (tables, columns, constraints, version);
* :mod:`~analytics.store.db`: the only module that opens the file, creates and upgrades the
  schema, and runs writes in one transaction (:func:`~analytics.store.db.write`);
* :mod:`~analytics.store.aggregates`: the monthly aggregates refreshed by every write;
* :mod:`~analytics.store.audit`: the audit log of changes made by people;
* :mod:`~analytics.store.saved`: named saved views (stories, plans) in ``saved_views``;
* :mod:`~analytics.store.load_log`: what the load log (``ingest_log``) says about past loads.
"""
