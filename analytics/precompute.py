"""What is computed when the data change, so that nothing expensive happens when a page opens.

:func:`refresh` computes, for the view the app and ``report`` open on (every customer, the last
twelve whole months: :func:`default_filter`), each result that a page would otherwise compute on
its first visit, and stores it in the store keyed by the data version
(:mod:`analytics.store.derived`):

* ``pnl`` (:mod:`analytics.profit`): the customer P&L's rows for the period, the period before it and
  all history up to its end, which every page but Word of mouth starts from;
* ``dv_scores`` (:mod:`analytics.delivered_value.scores`): the latest assessments of the period and of the
  period before it, and each assessed customer's main product (Delivered value);
* ``clv_fit`` (:mod:`analytics.clv.value`): the BG/NBD and Gamma-Gamma fits and the per-customer RFM
  summary behind Customer value, Lifecycle's P(alive), Customer 360 and the Present page;
* ``clv_backtest`` (:mod:`analytics.clv.backtest`): the Customer value page's backtest;
* ``clv_comparison`` (:mod:`analytics.clv.comparison`): BG/NBD, Pareto/NBD and MBG/NBD on that
  backtest's split, the model chosen, and that model refitted at the valuation date;
* ``clv_interval`` (:mod:`analytics.clv.intervals`): the ranges of P(alive), expected purchases and
  potential value per customer and in sum, with the page's default assumptions and the chosen
  purchase model (after ``clv_fit`` and ``clv_comparison``, whose stored results it reads; stored
  under that model's name);
* ``clv_tracking`` (:mod:`analytics.clv.tracking`): the comparison's tracking plots, conditional
  expectations and P(alive) matrix;
* ``contract_fit`` (:mod:`analytics.contracts.retention`): the sBG retention fits per plan and start
  cohort and the contract customers' contractual CLV;
* ``lc_buckets`` (:mod:`analytics.lifecycle.stages`): each customer's purchase days gathered for the
  stages on the as-of date (Lifecycle's counts);
* ``wom_cover`` (:mod:`analytics.word_of_mouth.data`): the customers at risk per day and region (exposure);
* ``wom_slopes`` (:mod:`analytics.word_of_mouth.headline`): the complaint and praise trend slopes;
* ``wom_curve`` (:mod:`analytics.word_of_mouth.response`): the complaint and praise response curves
  with their thresholds;
* ``wom_null`` (:mod:`analytics.word_of_mouth.turning`): the turning-point tests' null distributions.

Each of those modules reads its stored result when one exists for exactly its inputs and the
current data, and computes as before otherwise (another filter, a refresh not finished yet, an
older store opened read-only). Who calls :func:`refresh`: the app after each of its writes, in a
background thread with progress shown (``ui.refresh``); the command line after each command that
writes (``cli.common.open_store``), before it exits; ``python -m analytics refresh``.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import duckdb

from analytics import filters
from analytics.filters import Filters
from analytics.store import db, derived

# The modules with a ``precompute(cur, f)`` that yields (kind, params, result), by the kind they
# store, in the order they run.
PRODUCERS: dict[str, str] = {
    "pnl": "analytics.profit",
    "dv_scores": "analytics.delivered_value.scores",
    "clv_fit": "analytics.clv.value",
    "clv_backtest": "analytics.clv.backtest",
    "clv_comparison": "analytics.clv.comparison",
    "clv_interval": "analytics.clv.intervals",  # the ranges vary the model the comparison chose
    "clv_tracking": "analytics.clv.tracking",
    "contract_fit": "analytics.contracts.retention",
    "lc_buckets": "analytics.lifecycle.stages",
    "wom_cover": "analytics.word_of_mouth.data",  # exposure, read by the slopes, curves and turning points after it
    "wom_slopes": "analytics.word_of_mouth.headline",
    "wom_curve": "analytics.word_of_mouth.response",
    "wom_null": "analytics.word_of_mouth.turning",
}
Progress = Callable[[float, str], None]  # (fraction done, the kind about to be computed, or "done")
_LOCK = threading.Lock()  # one refresh at a time per process (each prunes what the others wrote)


@dataclass(frozen=True)
class Refreshed:
    """What a refresh stored: the data version, the results per kind and the seconds each took."""

    data_version: int
    counts: dict[str, int]
    seconds: dict[str, float]
    total_seconds: float
    carried_from: int | None = None  # the version whose results were kept: the data had not changed


def default_filter(cur: duckdb.DuckDBPyConnection) -> Filters | None:
    """The view the app and ``report`` open on: every customer, the default period; None without data."""
    start, end = filters.latest_period(cur)  # the same call as the app's sidebar and the command line
    if start is None:
        return None
    return Filters(date_from=start, date_to=end)


def code_version() -> str:
    """The fingerprint of the analytics code this process runs (a hash of every source file of the
    package :mod:`analytics`, computed once per process): each refresh records it, and a stored result
    is read only under the code that refreshed it (:func:`analytics.store.derived.analytics_code`)."""
    return derived.analytics_code()


def produce(cur: duckdb.DuckDBPyConnection, f: Filters, producer: str) -> Iterator[tuple[str, dict[str, Any], Any, float]]:
    """The results of one producer for the filter ``f``, each with the seconds it took."""
    gen = importlib.import_module(producer).precompute(cur, f)
    while True:
        t0 = time.perf_counter()
        try:
            kind, params, value = next(gen)
        except StopIteration:
            return
        yield kind, params, value, time.perf_counter() - t0


def refresh(con: duckdb.DuckDBPyConnection, progress: Progress | None = None) -> Refreshed:
    """Compute every stored result for the store's current data and store it; drop older ones.

    One transaction that writes nothing but ``derived_results`` (:func:`analytics.store.db.write`
    with ``data=False``): the results describe one snapshot of the data, and they are stored under
    that snapshot's data version even when a write committed meanwhile (they then simply never
    match, and the refresh after that write replaces them). Errors propagate, and nothing is
    stored then: the pages compute as they would without stored results.

    When the data tables are exactly those of the last refresh (:func:`analytics.store.db.fingerprint`:
    the version also moves for writes that change no data, such as a saved story), that refresh's
    results are kept for the new version instead of being computed again, unless other code made it
    (:func:`code_version`, recorded with each refresh): then every stored result is computed again.
    """
    report = progress or (lambda _x, _step: None)
    t_all = time.perf_counter()
    counts: dict[str, int] = {}
    seconds: dict[str, float] = {}
    with _LOCK, db.write(con, data=False) as cur:
        version = db.data_version(cur)
        fingerprint = db.fingerprint(cur)
        last = derived.last_refresh(cur)
        same_code = last is not None and last[1].get("code") == code_version()
        if last is not None and same_code and last[0] != version and last[1].get("fingerprint") == fingerprint:
            derived.carry(cur, last[0], version)
            derived.prune(cur, version)
            derived.mark_refreshed(cur, version, {**last[1], "carried_from": last[0]})
            report(1.0, "done")
            return Refreshed(version, dict(last[1].get("counts", {})), dict(last[1].get("seconds", {})),
                             time.perf_counter() - t_all, carried_from=last[0])
        derived.prune(cur, version if same_code else None)  # other code's results: none is kept
        f = default_filter(cur)
        for i, (step, producer) in enumerate(PRODUCERS.items() if f is not None else ()):
            report(i / len(PRODUCERS), step)
            for kind, params, value, took in produce(cur, f, producer):
                derived.put(cur, kind, params, value, version, took)
                counts[kind] = counts.get(kind, 0) + 1
                seconds[kind] = seconds.get(kind, 0.0) + took
        total = time.perf_counter() - t_all
        derived.mark_refreshed(cur, version, {"counts": counts, "seconds": seconds, "total_seconds": total,
                                              "fingerprint": fingerprint})
    report(1.0, "done")
    return Refreshed(version, counts, seconds, total)
