"""The benchmark harness (``python -m bench``) end to end at a tiny scale: every section runs and
yields numbers, and the floor, the pandas way, the app's P&L and ``report --json`` agree on profit.
The only benchmark code in the test run; the real scales are run by hand (README, Performance)."""

from __future__ import annotations

import json
import numbers
from pathlib import Path

from bench import harness


def _seconds(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and value > 0


def test_tiny_run_measures_every_section(tmp_path: Path) -> None:
    out = tmp_path / "results"
    report = harness.main(["--scale", "tiny", "--repeat", "1", "--out", str(out), "--cache", str(tmp_path / "stores")])

    sections = report["sections"]
    assert list(sections) == list(harness.SECTIONS)
    measured = [s for s in harness.SECTIONS if s not in ("browser", "spark")]
    for name in measured:
        assert sections[name]["status"] == "ok", (name, sections[name].get("error"), sections[name])
        assert _seconds(sections[name]["seconds"]), (name, sections[name])
    assert sections["browser"]["status"] == "skipped"  # no --browser
    assert sections["spark"]["status"] == "skipped"  # no --spark

    # The floor is the app's exact figures, and the pandas way and report --json say the same.
    floor, pandas = sections["floor"], sections["pandas"]
    assert floor["agrees_with_app"] is True and floor["customers"] > 0
    assert pandas["agrees_with_floor"] is True and pandas["customers"] == floor["customers"]
    assert sections["report"]["profit_matches_floor"] is True
    assert _seconds(floor["fresh_process_seconds"]) and _seconds(pandas["fresh_process_seconds"])

    # Every analysis page: cold and warm times, and its chart JSON measured.
    pages = sections["pages"]["pages"]
    assert {harness.page_of(r["module"]) for r in pages.values()} == set(harness.pages())
    for name, r in pages.items():
        assert _seconds(r.get("cold_seconds")) and _seconds(r.get("warm_seconds")), (name, r)
    assert sections["pages"]["stored_fits"] is True  # the generated store got its model fits, as after any write
    note = json.loads((tmp_path / "stores" / "tiny-seed7" / "store.json").read_text())
    assert note["fits_code"] == harness.code_hash()  # and says which code computed them
    assert not any(r["label"].startswith("Analytics") for r in pages.values())
    charts = sections["charts"]["pages"]
    assert set(charts) == set(harness.pages())
    assert all(r["bytes"] > 0 and r["charts"] for r in charts.values()), charts

    gen = sections["generation"]
    assert gen["rows"]["customers"] == 300 and gen["store_bytes"] > 0 and gen["peak_rss_bytes"] > 0
    ingest = sections["ingest"]
    assert ingest["agree"] is True and set(ingest["ways"]) == {"duckdb_read_csv", "engine_load", "engine_check", "pandas"}

    # The files: the Markdown table (with the Spark placeholder) and the same JSON.
    stem = f"tiny-{report['date']}"
    table = (out / f"{stem}.md").read_text(encoding="utf-8")
    assert "| section | measure | median | × floor | × pandas |" in table and "n/a" in table
    assert "| refresh | stored model fits for the default view" in table
    assert json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))["sections"].keys() == sections.keys()
