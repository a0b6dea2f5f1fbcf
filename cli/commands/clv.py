"""``clv``: BG/NBD and Gamma-Gamma fits, the backtest and the customers' values, on the store or on a
transactions CSV (:mod:`analytics.clv`). The value notes, i18n keys in the analytics, are written
here in English.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.clv import comparison as model_comparison
from analytics.clv import intervals, tracking
from analytics.clv import value as customer_value
from analytics.clv.backtest import Backtest, backtest, backtest_transactions
from analytics.clv.rfm import data_end, read_transactions_csv
from analytics.clv.units import DEFAULT_UNIT, UNITS
from analytics.contracts import retention
from analytics.filters import as_date
from cli import common
from i18n import Translator

NAME = "clv"
HELP = "fit BG/NBD and Gamma-Gamma, backtest them, and summarise customer value"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = ("Fits BG/NBD (purchases, P(alive)) and Gamma-Gamma (spend per purchase) on purchases up to "
                     "--calibration-end, predicts each customer's purchases up to --holdout-end and reports the "
                     "error; on a store it also values the customers at the period's end. Parameters are in "
                     "--time-unit (recency, T and alpha are measured in it).")
    common.add_db_arg(p)
    common.add_filter_args(p)
    p.add_argument("--csv", type=Path, default=None, metavar="PATH",
                   help="run on a CSV of transactions (columns customer_id,date,amount) instead of the store")
    p.add_argument("--calibration-end", metavar="DATE", default=None,
                   help="last day of the calibration data (default: the day before the period starts; "
                        "with --csv the middle of the data)")
    p.add_argument("--holdout-end", metavar="DATE", default=None,
                   help="last day of the holdout (default: the period's end, or the data's last day)")
    p.add_argument("--time-unit", choices=tuple(UNITS), default=DEFAULT_UNIT,
                   help="unit of recency, T and alpha (default weeks)")
    p.add_argument("--horizon-months", type=int, default=12, help="CLV horizon in months (default 12)")
    p.add_argument("--annual-discount", type=float, default=0.10,
                   help="annual discount rate as a fraction (default 0.10)")
    p.add_argument("--interval-level", type=float, default=intervals.DEFAULT_LEVEL, metavar="LEVEL",
                   help="coverage of clv_interval, the range of the summed potential value (default 0.9 = 90 %%)")
    p.add_argument("--model", choices=model_comparison.CHOICES, default=model_comparison.AUTO,
                   help="purchase model of the valuation and its ranges: auto (default: the one the holdout "
                        "comparison chose, model_comparison), bgnbd, pareto_nbd or mbg_nbd; model_used says which")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _rounded(d: dict[str, float], digits: int = 6) -> dict[str, float]:
    return {k: (round(v, digits) if isinstance(v, float) and math.isfinite(v) else v) for k, v in d.items()}


def _model_json(bt: Backtest, summary_counts: dict[str, int]) -> dict[str, Any]:
    m, g = bt.model, bt.spend
    return {
        "time_unit": bt.time_unit,
        "calibration_end": bt.calibration_end.isoformat(),
        "holdout_end": bt.holdout_end.isoformat(),
        "bgnbd": None if m is None else {**_rounded(m.params()), "log_likelihood": round(m.log_likelihood, 4),
                                         "source": m.source, "converged": m.converged,
                                         "std_errors": _rounded(m.std_errors)},
        "gamma_gamma": None if g is None else {**_rounded(g.params()), "log_likelihood": round(g.log_likelihood, 4),
                                               "customers": g.customers, "source": g.source,
                                               "frequency_spend_corr": g.frequency_spend_corr,
                                               "std_errors": _rounded(g.std_errors)},
        "counts": summary_counts,
        "backtest": bt.figures(),
    }


def _comparison_json(comp: model_comparison.Comparison, diagnostics: tracking.Tracking) -> dict[str, Any]:
    """``pareto_nbd`` and ``mbg_nbd`` (parameters and log-likelihood, fitted on the calibration data as
    ``bgnbd``), ``model_comparison`` (one row per model), ``chosen_model`` and ``tracking`` (one row
    per week of calibration and holdout)."""
    def fitted(kind: str) -> dict[str, Any] | None:
        m = comp.model(kind)
        return None if m is None else {**_rounded(m.params()), "log_likelihood": round(m.log_likelihood, 4),
                                       "variant": model_comparison.variant_of(m),
                                       "source": m.source, "converged": m.converged,
                                       "std_errors": _rounded(m.std_errors)}

    return {
        "pareto_nbd": fitted("pareto_nbd"),
        "mbg_nbd": fitted("mbg_nbd"),
        "model_comparison": [{**r, "params": None if r["params"] is None else _rounded(r["params"])}
                             for r in comp.figures()],
        "chosen_model": comp.chosen,
        "tracking": diagnostics.rows(),
    }


def _counts(bt: Backtest) -> dict[str, int]:
    c = bt.customers
    return {
        "customers": len(c),
        "repeat_customers": int((c["frequency"] > 0).sum()),
        "calibration_repeat_purchases": int(c["frequency"].sum()),
        "holdout_purchases": int(c["actual"].sum()),
        # customers the spend model was fitted on, when fitted on these customers (not pooled)
        "gamma_gamma_customers": bt.spend.customers if bt.spend and bt.spend.source == "filter" else 0,
    }


def run(args: argparse.Namespace) -> int:
    unit = args.time_unit
    level = intervals.check_level(args.interval_level)  # a bad level is a user mistake before any work
    if args.csv is not None:
        tx = read_transactions_csv(args.csv)
        if tx.empty:
            raise ValueError(f"{args.csv} has no transactions")
        cal = as_date(args.calibration_end, "calibration end")
        if cal is None:  # the midpoint of the data, like Fader et al.'s 39 + 39 weeks
            lo, hi = pd.to_datetime(tx["date"]).min().date(), pd.to_datetime(tx["date"]).max().date()
            cal = lo + dt.timedelta(days=(hi - lo).days // 2)
        bt = backtest_transactions(tx, cal, args.holdout_end, unit)
        comp = model_comparison.compare(bt)
        out = {"source": str(args.csv), **_model_json(bt, _counts(bt)),
               **_comparison_json(comp, tracking.tracking_transactions(tx, comp))}
    else:
        with common.open_store(args) as cur:
            data_end(cur)
            f = common.filters_from_args(args, cur)
            bt = backtest(cur, f, args.calibration_end, args.holdout_end, unit)
            comp = model_comparison.comparison(cur, f, args.calibration_end, args.holdout_end, unit)
            diagnostics = tracking.tracking(cur, f, comp)
            values = customer_value.customer_values(cur, f, horizon_months=args.horizon_months,
                                                    annual_discount=args.annual_discount, time_unit=unit,
                                                    model=args.model)
            ranges = intervals.value_intervals(cur, f, level, args.horizon_months, args.annual_discount,
                                               time_unit=unit, model=args.model)
            contract_values = retention.contract_values(cur, f, annual_discount=args.annual_discount)
        t = Translator("en", values.currency)
        out = {"period_from": f.date_from.isoformat() if f.date_from else None,
               "period_to": f.date_to.isoformat() if f.date_to else None,
               **_model_json(bt, _counts(bt)),
               **_comparison_json(comp, diagnostics),
               "valuation": values.summary(),
               # the purchase model behind valuation, clv_interval (and the lifecycle's P(alive) with auto)
               "model_used": values.summary()["model_used"],
               "clv_interval": intervals.interval_summary(ranges),
               # contract customers: sBG per plan (BG/NBD above values the others; see docs/customer_value.md)
               "contracts": contract_values.summary(),
               "notes": [t(k, **p) for k, p in values.notes]}
    if args.json:
        common.print_json(out)
    else:
        _print_text(out)
    return 0


def _fmt(v: Any) -> str:
    """One value for the text output: money-sized numbers with separators, small ones to 6 digits."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1e4 else f"{v:.6g}"
    if isinstance(v, dict):
        return ", ".join(f"{k}={_fmt(x)}" for k, x in v.items())
    if isinstance(v, list) and not any(isinstance(x, dict) for x in v):
        return ", ".join(_fmt(x) for x in v)
    return str(v)


def _print_text(out: dict[str, Any]) -> None:
    """The command's result as indented ``key  value`` lines (tables as one line per row)."""
    def lines(d: dict[str, Any], indent: int) -> None:
        for key, value in d.items():
            pad = " " * indent
            if isinstance(value, dict) and indent == 0:
                print(f"{key}:")
                lines(value, indent + 2)
            elif isinstance(value, list) and (indent == 0 or any(isinstance(x, dict) for x in value)):
                print(f"{pad}{key}:")
                for row in value:
                    print(f"{pad}  - {_fmt(row)}")
            else:
                print(f"{pad}{key:<{30 - indent}}  {_fmt(value)}")

    lines(out, 0)

