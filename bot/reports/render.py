"""Renders a report as a terminal table, CSV rows for spreadsheets, JSON, or a short summary."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from typing import Any

from bot.reports.model import DIMENSIONS, Rate, Report
from handlers.i18n import Texts

CSV_COLUMNS = ("section", "key", "label", "value", "hits", "base", "previous", "target", "met")


def label(t: Texts, dim: str, key: str) -> str:
    """A readable name for a volume key: kinds, complaint categories and repair areas."""
    if dim == "heat" and ":" in key:
        kind, sub = key.split(":", 1)
        name = label(t, "category" if kind == "complaint" else "area", sub)
        return f"{label(t, 'kind', kind)}·{name}"
    table = {"kind": "kind", "category": "category", "area": "report.area"}.get(dim)
    if table is None or key == "—":
        return key
    text = t(f"{table}.{key}")
    return key if text == f"{table}.{key}" else text


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """Left-aligns `text` in `width` terminal columns (Chinese characters take two)."""
    return text + " " * max(width - _columns(text), 1)


def rpad(text: str, width: int) -> str:
    """Right-aligns `text` in `width` terminal columns."""
    return " " * max(width - _columns(text), 1) + text


def percent(value: float | None, t: Texts | None = None) -> str:
    """A share as `93.3%`, or the no-data mark."""
    if value is None:
        return t("report.no_data") if t else "—"
    return f"{value * 100:.1f}%"


def _verdict(rate: Rate, t: Texts) -> str:
    return {True: t("report.met"), False: t("report.missed"), None: ""}[rate.met]


def render_text(report: Report, t: Texts) -> str:
    """A readable table for the terminal."""
    project = t("report.project", project=report.project) if report.project else ""
    out = [t("report.title", period=report.period.label, project=project),
           t("report.generated", when=t.when(report.generated_at)), "",
           f"== {t('report.section_rates')} =="]
    out.append(pad(t("report.col_indicator"), 30) + rpad(t("report.col_value"), 8)
               + rpad(t("report.col_target"), 9) + rpad(t("report.col_basis"), 11))
    for rate in report.rates.values():
        target = percent(rate.target) if rate.target is not None else "—"
        out.append(f"{pad(t(f'report.rate.{rate.key}'), 30)}{percent(rate.value, t):>8} {target:>8} "
                   f"{f'{rate.hits}/{rate.base}':>10}  {_verdict(rate, t)}")
    out += ["", f"== {t('report.section_counts')} =="]
    out += [f"{pad(t(f'report.count.{k}'), 30)}{v:>8}" for k, v in report.counts.items()]
    out += ["", f"== {t('report.section_volumes')} =="]
    for dim in DIMENSIONS:
        rows = report.volumes.get(dim, [])
        if not rows:
            continue
        out.append(f"-- {t(f'report.dim.{dim}')}  ({t('report.col_count')} / "
                   f"{t('report.col_previous')} / {t('report.col_change')})")
        out += [f"  {pad(label(t, dim, v.key), 28)}{v.count:>6} {v.previous:>6} {v.change:>+6}"
                for v in rows]
    out += ["", f"== {t('report.section_delivery')} =="]
    for kind, statuses in report.delivery.items():
        parts = ", ".join(f"{t(f'report.delivery.{s}')} {n}" for s, n in sorted(statuses.items()))
        out.append(f"{pad(t(f'report.delivery.{kind}'), 30)}{parts or '0'}")
    return "\n".join(out) + "\n"


def rows(report: Report) -> list[dict[str, Any]]:
    """The report as flat rows (one per figure), the shape CSV and spreadsheets want."""
    out: list[dict[str, Any]] = []
    for r in report.rates.values():
        out.append({"section": "rate", "key": r.key, "value": r.value, "hits": r.hits,
                    "base": r.base, "target": r.target, "met": r.met})
    for key, n in report.counts.items():
        out.append({"section": "count", "key": key, "value": n})
    for dim, volumes in report.volumes.items():
        for v in volumes:
            out.append({"section": f"volume.{dim}", "key": v.key, "value": v.count,
                        "previous": v.previous})
    for week, kinds in report.weekly.items():
        for kind, n in sorted(kinds.items()):
            out.append({"section": "weekly", "key": f"{week}/{kind}", "value": n})
    for building, labels in report.heat.items():
        for lab, n in sorted(labels.items()):
            out.append({"section": "heat", "key": f"{building}/{lab}", "value": n})
    for kind, statuses in report.delivery.items():
        for status, n in sorted(statuses.items()):
            out.append({"section": "delivery", "key": f"{kind}/{status}", "value": n})
    return out


def render_csv(report: Report, t: Texts) -> str:
    """CSV with a header row; `label` is the readable name in the language of `t`."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows(report):
        section, key = row["section"], row["key"]
        if section == "rate":
            row["label"] = t(f"report.rate.{key}")
        elif section == "count":
            row["label"] = t(f"report.count.{key}")
        elif section.startswith("volume."):
            row["label"] = label(t, section.split(".", 1)[1], key)
        writer.writerow(row)
    return buf.getvalue()


def to_dict(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data."""
    return {
        "period": {"label": report.period.label, "start": report.period.start.isoformat(),
                   "end": report.period.end.isoformat()},
        "project": report.project,
        "generated_at": report.generated_at.isoformat(),
        "rates": {k: {"value": r.value, "hits": r.hits, "base": r.base, "target": r.target,
                      "met": r.met} for k, r in report.rates.items()},
        "counts": dict(report.counts),
        "volumes": {dim: [{"key": v.key, "count": v.count, "previous": v.previous,
                           "change": v.change} for v in vs] for dim, vs in report.volumes.items()},
        "weekly": report.weekly,
        "heat": report.heat,
        "delivery": report.delivery,
    }


def render_json(report: Report) -> str:
    """Pretty JSON (UTF-8, Chinese kept readable)."""
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"


def render_summary(report: Report, t: Texts) -> str:
    """A few lines for the staff group, posted with the chart."""
    buildings = [v for v in report.volumes.get("building", []) if v.count]
    hotspot = f"{buildings[0].key} ({buildings[0].count})" if buildings else "—"
    project = t("report.project", project=report.project) if report.project else ""
    return t("report.summary", period=report.period.label, project=project,
             cases=report.counts.get("cases", 0), previous=report.counts.get("previous_cases", 0),
             reopened=report.counts.get("reopened", 0), breaches=report.counts.get("breaches", 0),
             handled=percent(report.rate("handled_on_time").value, t),
             resolution=percent(report.rate("resolution").value, t),
             satisfaction=percent(report.rate("satisfaction").value, t),
             complaint_satisfaction=percent(report.rate("complaint_satisfaction").value, t),
             hotspot=hotspot)
