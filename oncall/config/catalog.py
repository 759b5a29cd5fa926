"""What the product knows by name: the four pipelines, their sources and their diagnose checks.

These ids are what users and scripts rely on (docs/reference.md, docs/diagnose.md).
"""

from __future__ import annotations

from oncall.text import counted as counted  # how a check's count reads

PIPELINE_IDS: tuple[str, ...] = ("profit", "growth", "engagement", "aggregated")

#: diagnose check ids of each pipeline, in the order they are reported
CHECKS: dict[str, tuple[str, ...]] = {
    "profit": ("filing_discrepancy", "cost_data_delay"),
    "growth": ("missing_current_status", "skipped_states"),
    "engagement": ("late_arrivals", "kafka_gap", "duplicate_events"),
    "aggregated": ("stale_upstream", "missing_values", "join_skew"),
}

CHECK_IDS: tuple[str, ...] = tuple(check for checks in CHECKS.values() for check in checks)

#: the pipeline each check belongs to
CHECK_PIPELINE: dict[str, str] = {
    check: pipeline for pipeline, checks in CHECKS.items() for check in checks
}

#: what each check's ``count`` counts (docs/diagnose.md, "The checks")
CHECK_UNITS: dict[str, str] = {
    "filing_discrepancy": "months",
    "cost_data_delay": "months",
    "missing_current_status": "accounts",
    "skipped_states": "transitions",
    "late_arrivals": "events",
    "kafka_gap": "gaps",
    "duplicate_events": "surplus rows",
    "stale_upstream": "upstream outputs",
    "missing_values": "rows",
    "join_skew": "keys",
}


#: defaults of the check thresholds a runbook may override (docs/diagnose.md)
THRESHOLD_DEFAULTS: dict[str, dict[str, float]] = {
    # fires above max(abs_tolerance, rel_tolerance * |filed value|)
    "filing_discrepancy": {"abs_tolerance": 1.00, "rel_tolerance": 0.0001},
    # Ops cost data is due by this day of the next month, 23:59:59 UTC
    "cost_data_delay": {"deadline_day": 5},
    # ingested more than this many hours after event_time misses the arrival SLA
    "late_arrivals": {"arrival_sla_hours": 48.0},
    # a run of at least this many minutes with no event at all is a gap
    "kafka_gap": {"min_gap_minutes": 15.0},
    # a key holding more than this share of a source's rows is hot
    "join_skew": {"max_key_share": 0.20},
}
