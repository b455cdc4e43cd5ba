"""The owner roster (业主清册): read CSV/XLSX, validate every line, upsert by phone."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person
from storage.repos.people import normalize_phone

# Accepted headers (English and the Chinese a developer's roster export uses) → field.
HEADERS = {
    "name": "name", "姓名": "name", "业主姓名": "name",
    "phone": "phone", "手机": "phone", "手机号": "phone", "电话": "phone", "联系电话": "phone",
    "project": "project", "项目": "project", "楼盘": "project",
    "building": "building", "楼栋": "building", "楼号": "building",
    "unit": "unit", "房号": "unit", "单元": "unit",
    "role": "role", "身份": "role", "类型": "role",
    "birthday": "birthday", "生日": "birthday", "出生日期": "birthday",
    "birthday_lunar": "birthday_lunar", "lunar": "birthday_lunar", "农历": "birthday_lunar",
    "signing_date": "signing_date", "签约日期": "signing_date",
    "delivery_date": "delivery_date", "交付日期": "delivery_date", "交房日期": "delivery_date",
    "warranty_end": "warranty_end", "保修截止": "warranty_end", "保修到期": "warranty_end",
    "language": "language", "语言": "language",
}  # fmt: skip
ROLES = {
    "owner": "owner", "业主": "owner",
    "buyer": "buyer", "准业主": "buyer", "认购客户": "buyer",
    "prospect": "prospect", "潜在客户": "prospect", "意向客户": "prospect",
}  # fmt: skip
TRUE = {"1", "true", "yes", "y", "是", "农历", "lunar"}
FALSE = {"", "0", "false", "no", "n", "否", "公历", "solar"}
DATE_FIELDS = ("birthday", "signing_date", "delivery_date", "warranty_end")
FIELDS = ("name", "phone", "project", "building", "unit", "role", "birthday_lunar", "language",
          *DATE_FIELDS)  # fmt: skip


@dataclass
class LineError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class Parsed:
    records: list[dict[str, Any]] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, raw row) pairs from a CSV (UTF-8, BOM tolerated) or XLSX file."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).active
        assert sheet is not None
        rows = sheet.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(rows, ())]
        for number, values in enumerate(rows, start=2):
            yield number, {h: _cell(v) for h, v in zip(header, values, strict=False)}
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            yield reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k}


def _cell(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def _date(text: str) -> date | None:
    if not text:
        return None
    cleaned = text.replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-")
    return date.fromisoformat("-".join(p.zfill(2) for p in cleaned.rstrip("日").split("-")))


def validate(line: int, raw: dict[str, str]) -> dict[str, Any]:
    """One roster line as clean fields; raises ValueError naming what is wrong."""
    row = {HEADERS[k.lower() if k.isascii() else k]: v for k, v in raw.items()
           if (k.lower() if k.isascii() else k) in HEADERS}  # fmt: skip
    problems = []
    name = row.get("name", "")
    if not name:
        problems.append("name is empty")
    phone = normalize_phone(row.get("phone", ""))
    if phone is None:
        problems.append(f"phone {row.get('phone', '')!r} is not an 11-digit mobile number")
    role = ROLES.get(row.get("role", "owner").lower() or "owner")
    if role is None:
        problems.append(f"role {row.get('role')!r} is not owner, buyer or prospect")
    if role in ("owner", "buyer") and not row.get("project"):
        problems.append(f"project is required for an {role}")
    lunar_text = row.get("birthday_lunar", "").lower()
    if lunar_text not in TRUE | FALSE:
        problems.append(f"birthday_lunar {lunar_text!r} is not yes/no")
    language = (row.get("language") or "zh").lower()[:2]
    if language not in ("zh", "en"):
        problems.append(f"language {row.get('language')!r} is not zh or en")
    dates: dict[str, date | None] = {}
    for key in DATE_FIELDS:
        try:
            dates[key] = _date(row.get(key, ""))
        except ValueError:
            problems.append(f"{key} {row.get(key)!r} is not a date (YYYY-MM-DD)")
    if dates.get("birthday") and dates["birthday"] > date.today():  # type: ignore[operator]
        problems.append("birthday is in the future")
    if problems:
        raise ValueError("; ".join(problems))
    return {
        "name": name,
        "phone": phone,
        "project": row.get("project") or None,
        "building": row.get("building") or None,
        "unit": row.get("unit") or None,
        "role": role,
        "birthday_lunar": lunar_text in TRUE,
        "language": language,
        **dates,
    }


def parse(rows: Iterable[tuple[int, dict[str, str]]]) -> Parsed:
    """Validates every line first; duplicate phones inside the file are errors too."""
    parsed = Parsed()
    seen: dict[str, int] = {}
    for line, raw in rows:
        if not any(raw.values()):
            continue
        try:
            record = validate(line, raw)
        except ValueError as exc:
            parsed.errors.append(LineError(line, str(exc)))
            continue
        if record["phone"] in seen:
            parsed.errors.append(
                LineError(line, f"phone already on line {seen[record['phone']]}")
            )
            continue
        seen[record["phone"]] = line
        parsed.records.append(record)
    return parsed


async def upsert(
    session: AsyncSession,
    records: list[dict[str, Any]],
    now: datetime,
    progress: Callable[[int], None] | None = None,
    chunk: int = 1000,
) -> tuple[int, int]:
    """Inserts new people and updates existing ones by phone; returns (created, updated)."""
    created = updated = 0
    for start in range(0, len(records), chunk):
        batch = records[start : start + chunk]
        phones = [r["phone"] for r in batch]
        existing = {
            p.phone: p
            for p in await session.scalars(select(Person).where(Person.phone.in_(phones)))
        }
        for record in batch:
            person = existing.get(record["phone"])
            if person is None:
                session.add(Person(**record, on_roster=True, created_at=now, updated_at=now))
                created += 1
            else:
                if (record.get("birthday", person.birthday),
                        record.get("birthday_lunar", person.birthday_lunar)) != (
                        person.birthday, person.birthday_lunar):
                    person.next_birthday = None  # the greeting planner recomputes it
                for key, value in record.items():
                    setattr(person, key, value)
                person.on_roster = True
                person.updated_at = now
                updated += 1
        await session.flush()
        if progress:
            progress(len(batch))
    return created, updated
