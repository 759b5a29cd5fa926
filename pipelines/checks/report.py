"""Renderings of a diagnosis: a Rich table for people, JSON for scripts, JUnit XML for CI.

What each format holds is described in docs/diagnose.md ("In CI" for JUnit).

Pure Python: works on ``Diagnosis.as_json()``-shaped data, imports neither pyspark nor Rich at
module level.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from oncall.config.catalog import counted
from oncall.escape import terminal, xml_text

if TYPE_CHECKING:
    from rich.console import Console

#: details printed per check in the table view (JSON and JUnit carry them all)
TABLE_DETAILS = 5
STYLES = {"ok": "green", "warn": "yellow", "fail": "red", "error": "bold red"}


class DiagnoseFormat(StrEnum):
    """Output formats of ``pipeline diagnose``."""

    table = "table"
    json = "json"
    junit = "junit"


def detail_line(detail: dict[str, Any]) -> str:
    """One detail as ``key value, key value`` (lists joined, long ones cut)."""
    parts = []
    for key, value in detail.items():
        if isinstance(value, dict):
            value = f"({detail_line(value)})"
        elif isinstance(value, list):
            if value and isinstance(value[0], dict):
                value = "; ".join(detail_line(v) for v in value)
            else:
                shown = ", ".join(str(v) for v in value[:5])
                value = f"[{shown}{', ...' if len(value) > 5 else ''}]"
        parts.append(f"{key} {value}")
    return ", ".join(parts)


def render_table(data: dict[str, Any], console: Console, strict: bool = False) -> None:
    """Every check in one table; below it, what each check that did not pass found and what
    the runbook says to do."""
    from rich.markup import escape as escape_markup
    from rich.table import Table

    def escape(text: str) -> str:  # markup-free, control-free
        return escape_markup(terminal(text))

    table = Table(box=None, pad_edge=False)
    for column in ("pipeline", "check", "status", "count", "summary"):
        table.add_column(column, justify="right" if column == "count" else "left", overflow="fold")
    for pipeline in data["pipelines"]:
        for index, check in enumerate(pipeline["checks"]):
            style = STYLES[check["status"]]
            table.add_row(
                pipeline["pipeline"] if index == 0 else "",
                check["id"],
                f"[{style}]{check['status']}[/]",
                f"{check['count']:,}",
                escape(check["summary"]),
            )
    console.print(table)
    for pipeline in data["pipelines"]:
        for check in pipeline["checks"]:
            if check["status"] == "ok":
                continue
            style = STYLES[check["status"]]
            thresholds = ", ".join(f"{k} {v:g}" for k, v in check["threshold"].items())
            head = f"{pipeline['pipeline']} / {check['id']}: [{style}]{check['status']}[/]"
            if check["count"]:
                head += f", {escape(counted(check['count'], check['unit']))}"
            if thresholds:
                head += f" (threshold: {escape(thresholds)})"
            console.print()
            console.print(head)
            if check.get("title"):
                console.print(f"  {escape(check['title'])}")
            for detail in check["details"][:TABLE_DETAILS]:
                console.print(f"  - {escape(detail_line(detail))}", soft_wrap=True)
            hidden = len(check["details"]) - TABLE_DETAILS
            if hidden > 0:
                console.print(f"  ... {hidden} more in --format json")
            if check.get("remediation"):
                console.print("  What to do (runbook):")
                for line in check["remediation"].strip().splitlines():
                    console.print(f"    {escape(line)}", soft_wrap=True)
    if strict:
        console.print()
        console.print("--strict: warnings fail the run")


def junit_xml(data: dict[str, Any], strict: bool = False) -> str:
    """JUnit XML: a test suite per pipeline, a test case per check.

    ``fail`` is a failure, ``error`` an error; ``warn`` passes (its summary in ``system-out``)
    unless ``strict``, where it fails like the exit code does. Every value goes through
    ``xml_text``: a runbook's text or a check's details can never make the XML ill-formed.
    """
    suites = ET.Element("testsuites", name="pipeline diagnose")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for pipeline in data["pipelines"]:
        suite = ET.SubElement(suites, "testsuite", name=xml_text(pipeline["pipeline"]))
        counts = {"tests": 0, "failures": 0, "errors": 0}
        for check in pipeline["checks"]:
            counts["tests"] += 1
            case = ET.SubElement(
                suite,
                "testcase",
                classname=xml_text(f"diagnose.{pipeline['pipeline']}"),
                name=xml_text(check["id"]),
            )
            properties = ET.SubElement(case, "properties")
            ET.SubElement(properties, "property", name="status", value=xml_text(check["status"]))
            ET.SubElement(properties, "property", name="count", value=str(check["count"]))
            for name, value in check["threshold"].items():
                ET.SubElement(
                    properties, "property", name=xml_text(f"threshold.{name}"), value=f"{value:g}"
                )
            body = xml_text(_case_text(check))
            summary = xml_text(check["summary"])
            status = check["status"]
            if status == "error":
                counts["errors"] += 1
                element = ET.SubElement(case, "error", message=summary, type="error")
                element.text = body
            elif status == "fail" or (status == "warn" and strict):
                counts["failures"] += 1
                element = ET.SubElement(case, "failure", message=summary, type=status)
                element.text = body
            else:
                ET.SubElement(case, "system-out").text = f"{status}: {summary}"
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


def _case_text(check: dict[str, Any]) -> str:
    lines = [f"{check['status']}: {check['summary']}"]
    lines += [f"- {detail_line(d)}" for d in check["details"]]
    if check.get("remediation"):
        lines += ["", "What to do (runbook):", check["remediation"].strip()]
    return "\n".join(lines)
