"""``word-of-mouth``: NPS, trends, response curves, turning points and alerts (:mod:`analytics.word_of_mouth`)."""

from __future__ import annotations

import argparse
import math

import pandas as pd

from analytics import word_of_mouth as wom
from cli import common

NAME = "word-of-mouth"
HELP = "praise, complaints and NPS against service quality: thresholds, turning points and alerts"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_db_arg(p)
    common.add_filter_args(p)
    p.add_argument("--nps-population", choices=wom.NPS_POPULATIONS, default=wom.DEFAULT_NPS_POPULATION,
                   help="the feedback NPS counts: 'survey' = survey answers only (scored feedback that is neither "
                        "praise nor a complaint), 'all' = every scored response "
                        f"(default {wom.DEFAULT_NPS_POPULATION})")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _curve(c: wom.ResponseCurve) -> dict[str, object]:
    return {"status": c.status, "threshold": c.threshold, "low": c.low, "high": c.high, "p_value": c.p_value,
            "dispersion": c.dispersion, "steep_effect_per_point": c.steep_effect,
            "flat_effect_per_point": c.flat_effect, "region_days": c.n_days, "events": c.events,
            "window_from": c.window[0], "window_to": c.window[1]}


def run(args: argparse.Namespace) -> int:
    with common.open_store(args) as cur:
        s = wom.summary(cur, common.filters_from_args(args, cur), args.nps_population)
        al = wom.build_alerts(s)
    tp = s.turning_points
    out = {
        "period_from": s.period[0], "period_to": s.period[1],
        "nps": s.nps.nps, "nps_responses": s.nps.responses, "nps_population": s.nps_population,
        "praise": s.praise, "complaints": s.complaints,
        "other": s.other, "complaint_trend_slope": s.complaint_trend_slope, "praise_trend_slope": s.praise_trend_slope,
        "complaint_curve": _curve(s.complaint_curve), "praise_curve": _curve(s.praise_curve),
        "turning_points": [
            {"scope": p["scope"], "series": p["series"], "date": pd.Timestamp(p["date"]).date(), "direction": p["direction"],
             "p_value": p["p_value"], "region": p["region"], "feedback_channel": p["feedback_channel"], "topic": p["topic"]}
            for p in tp.points.to_dict("records")],
        "turning_point_basis": tp.basis,
        "alerts": [{k: pd.Timestamp(v).date() if k == "date" else int(v) if k == "days" else v
                    for k, v in a.items() if v is not None and not (isinstance(v, float) and math.isnan(v))}
                   for a in al.to_dict("records")],
    }
    if args.json:
        common.print_json(out)
    else:
        for k, v in out.items():
            if isinstance(v, list):
                print(f"{k}:")
                for item in v:
                    print("  " + ", ".join(f"{a}={b}" for a, b in item.items()))
            elif isinstance(v, dict):
                print(f"{k}: " + ", ".join(f"{a}={b}" for a, b in v.items()))
            else:
                print(f"{k}: {v}")
    return 0
