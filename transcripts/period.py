"""Periods of the hall's own clock (a day, a month, or any span), as UTC bounds.

Times in the database are UTC ISO stamps of one format, so a period is a pair of such
stamps and ``start <= time < end`` compares strings, which SQLite does with an index.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .errors import PeriodError
from .store import stamp


@dataclass(frozen=True)
class Period:
    label: str  # 2025-03-03, 2025-03, or 2025-03-01..2025-03-15
    kind: str  # "day", "month" or "span"
    start: datetime  # aware, local
    end: datetime  # aware, local, excluded

    @property
    def bounds(self) -> tuple[str, str]:
        """The UTC stamps to compare stored times with: start <= t < end."""
        return stamp(self.start), stamp(self.end)

    def days(self) -> list[date]:
        d, out = self.start.date(), []
        while d < self.end.date():
            out.append(d)
            d += timedelta(days=1)
        return out


def _midnight(d: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(d, time(0), tzinfo=zone)


def day(when: date | str | None, zone: ZoneInfo, today: date | None = None) -> Period:
    """The day ``when`` (YYYY-MM-DD; default today on the hall's clock)."""
    d = _date(when) if when else (today or datetime.now(zone).date())
    return Period(d.isoformat(), "day", _midnight(d, zone), _midnight(d + timedelta(days=1), zone))


def month(when: str | None, zone: ZoneInfo, today: date | None = None) -> Period:
    """The month ``when`` (YYYY-MM; default this month on the hall's clock)."""
    if when:
        try:
            first = datetime.strptime(when, "%Y-%m").date()
        except ValueError:
            raise PeriodError(f"month {when!r}: write it as YYYY-MM, e.g. 2025-03") from None
    else:
        first = (today or datetime.now(zone).date()).replace(day=1)
    after = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return Period(first.strftime("%Y-%m"), "month", _midnight(first, zone), _midnight(after, zone))


def span(since: str | None, until: str | None, zone: ZoneInfo) -> Period:
    """From ``since`` to ``until`` (both days included, YYYY-MM-DD); open ends allowed."""
    start = _date(since) if since else date(2000, 1, 1)
    end = _date(until) if until else date(9998, 12, 31)
    label = f"{since or ''}..{until or ''}" if since or until else "all"
    return Period(label, "span", _midnight(start, zone), _midnight(end + timedelta(days=1), zone))


def _date(text: str | date) -> date:
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"date {text!r}: write it as YYYY-MM-DD, e.g. 2025-03-03") from None


def chosen(zone: ZoneInfo, day_: str | None = None, month_: str | None = None,
           since: str | None = None, until: str | None = None) -> Period:
    """The period named on a command line: ``--day [D]``, ``--month [M]`` (an empty string
    meaning today or this month), ``--since/--until``; all time when none is given."""
    if day_ is not None:
        return day(day_ or None, zone)
    if month_ is not None:
        return month(month_ or None, zone)
    return span(since, until, zone)
