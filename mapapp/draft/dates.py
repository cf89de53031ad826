"""Dates in an article's text, resolved against its publication day: "on Tuesday", "early February",
"27 February", "last month", with their precision (a day, a month's part, a month)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

WEEKDAYS = [d.casefold() for d in calendar.day_name]
MONTHS = [m.casefold() for m in calendar.month_name if m]
MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(MONTHS)}
_WEEKDAY = "|".join(calendar.day_name)
_MONTH = "|".join(calendar.month_name[1:])
_MONTH_ANY = _MONTH + "|" + "|".join(m[:3] + r"\.?" for m in calendar.month_name[1:] if len(m) > 3)


@dataclass(frozen=True)
class DateRule:
    pattern: re.Pattern[str]
    resolve: Any  # (match, article date, news day) -> (date, date_to | None, precision) | None


def _weekday_on_or_before(day: date, weekday: str) -> date:
    return day - timedelta(days=(day.weekday() - WEEKDAYS.index(weekday.casefold())) % 7)


def _month_on_or_before(day: date, month: int, year: int | None = None) -> date:
    if year is None:
        year = day.year if month <= day.month else day.year - 1
    return date(year, month, 1)


def _month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _month_number(word: str) -> int:
    word = word.casefold().rstrip(".")
    return MONTHS.index(word) + 1 if word in MONTHS else MONTH_ABBR[word[:3]]


_PART_START = {"early": 1, "mid": 11, "mid-": 11, "late": 21, "the start of": 1, "the beginning of": 1, "the end of": 21}


def _rules() -> list[DateRule]:
    """Longest phrases first; each returns (first day, last day or None, precision)."""
    wd, mo, mo_any = _WEEKDAY, _MONTH, _MONTH_ANY

    def since_month(m: re.Match[str], today: date, news: date) -> tuple[date | None, date | None, str] | None:
        first = _month_on_or_before(news, _month_number(m["month"]))
        part = (m["part"] or "").strip()
        return first.replace(day=_PART_START.get(part, 1)), news, "range"

    def absolute_day(m: re.Match[str], today: date, news: date) -> tuple[date | None, date | None, str] | None:
        month = _month_number(m["month"])
        year = int(m["year"]) if m["year"] else _month_on_or_before(today, month).year
        try:
            return date(year, month, int(m["day"])), None, "day"
        except ValueError:
            return None

    def in_month(m: re.Match[str], today: date, news: date) -> tuple[date | None, date | None, str] | None:
        first = _month_on_or_before(today, _month_number(m["month"]), int(m["year"]) if m["year"] else None)
        return first, _month_end(first), "month"

    def past_days(m: re.Match[str], today: date, news: date) -> tuple[date | None, date | None, str] | None:
        n = {"few": 3, "couple of": 2, "two": 2, "three": 3, "four": 4, "five": 5, "several": 5}.get(m["n"])
        n = n if n is not None else int(m["n"]) if m["n"].isdigit() else 3
        return news - timedelta(days=n), news, "approximate"

    rules = [
        (rf"\bsince (?P<part>early |mid-|late |the start of |the beginning of )?(?P<month>{mo})\b", since_month),
        (rf"\bsince (?:last )?(?P<wd>{wd})\b", lambda m, t, n: (_weekday_on_or_before(n, m["wd"]), n, "range")),
        (r"\b(?:over|in|during) the (?:past|last) (?P<n>few|couple of|two|three|four|five|several|\d+) days\b", past_days),
        (r"\b[Ee]arlier this month\b", lambda m, t, n: (n.replace(day=1), n - timedelta(days=1), "range")),
        (r"\b(?:[Ll]ater |[Ll]ate )?this month\b", lambda m, t, n: (n.replace(day=1), n, "range")),
        (
            r"\b[Ll]ast month\b",
            lambda m, t, n: (
                _month_on_or_before(n.replace(day=1) - timedelta(days=1), (n.replace(day=1) - timedelta(days=1)).month),
                _month_end(n.replace(day=1) - timedelta(days=1)),
                "month",
            ),
        ),
        (r"\b[Tt]his week\b", lambda m, t, n: (n - timedelta(days=n.weekday()), n, "range")),
        (
            r"\b[Ll]ast week\b",
            lambda m, t, n: (n - timedelta(days=n.weekday() + 7), n - timedelta(days=n.weekday() + 1), "range"),
        ),
        (rf"\b(?P<month>{mo_any}) (?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:, (?P<year>\d{{4}}))?\b", absolute_day),
        (rf"\b(?P<day>\d{{1,2}}) (?P<month>{mo})(?: (?P<year>\d{{4}}))?\b", absolute_day),
        (rf"\b(?:in|since|by|until) (?:early |late |mid-)?(?P<month>{mo})(?: (?P<year>\d{{4}}))?\b", in_month),
        (
            rf"\b(?:(?:on|late|early|earlier|later|last) )?(?P<wd>{wd})(?: (?:night|morning|afternoon|evening))?\b",
            lambda m, t, n: (_weekday_on_or_before(t, m["wd"]), None, "day"),
        ),
        (r"\b[Yy]esterday\b", lambda m, t, n: (t - timedelta(days=1), None, "day")),
        (r"\b(?:the day before|a day earlier|the previous day)\b", lambda m, t, n: (t - timedelta(days=1), None, "day")),
        (r"\b(?:[Ee]arlier |[Ll]ater )?[Tt]oday\b", lambda m, t, n: (t, None, "day")),
        (r"\bsince (?P<year>(?:19|20)\d{2})\b", lambda m, t, n: (date(int(m["year"]), 1, 1), n, "range")),
        (r"\bin (?P<year>(?:19|20)\d{2})\b", lambda m, t, n: (date(int(m["year"]), 1, 1), date(int(m["year"]), 12, 31), "range")),
    ]
    return [DateRule(re.compile(p), f) for p, f in rules]


_DATE_RULES = _rules()


# A date that names something is not a date: "the March 23 Movement", "the May 5 Accords", "June 30 Street".
_NAMED_AFTER = re.compile(
    r"\s+(?:Movement|Revolution|Uprising|Accords?|Agreement|Front|Brigade|Battalion|Regiment|Square|Street|Avenue|"
    r"Bridge|Stadium|Offensive|Declaration|Coalition|Alliance|Party|Group|Protests?|Massacre|Memorial|University|"
    r"Hospital|Constitution|Decree|Law|Group)\b"
)


def find_dates(text: str, today: date, news_day: date) -> list[dict]:
    """The date phrases in ``text`` resolved against the article's date ``today``.

    Weekdays are the one on or before ``today``; open ranges ("since early
    February", "this month") run to ``news_day``, the latest day the article
    reports on. Overlapping phrases: the longest wins.
    """
    found: list[tuple[int, dict]] = []
    taken: list[tuple[int, int]] = []
    for rule in _DATE_RULES:
        for match in rule.pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken) or _NAMED_AFTER.match(text, end):
                continue
            resolved = rule.resolve(match, today, news_day)
            if resolved is None:
                continue
            first, last, precision = resolved
            if first > today:  # a resolution after the article's date is a misreading
                continue
            item = {"phrase": match.group(0), "date": first.isoformat(), "date_precision": precision, "draft": True}
            if last is not None and last != first:
                item["date_to"] = min(last, today).isoformat()
            taken.append((start, end))
            found.append((start, item))
    return [item for _s, item in sorted(found, key=lambda pair: pair[0])]


def news_day(passages: list[tuple[str, str]], today: date) -> date:
    """The latest day the article reports on: its last weekday, "yesterday" or "today" on or before its date."""
    relative = re.compile(rf"\b(?:{_WEEKDAY}|[Yy]esterday|[Tt]oday)\b")
    days = [
        date.fromisoformat(d["date"])
        for _pid, text in passages
        for d in find_dates(text, today, today)
        if d["date_precision"] == "day" and "date_to" not in d and relative.search(d["phrase"])
    ]
    return max((d for d in days if today - timedelta(days=7) <= d <= today), default=today)


_PUBLISHED = re.compile(r"^(?:Published|Posted|Updated|Last updated)\b[^\n]*", re.I | re.M)


# A French page's date line ("Publié le 15 novembre 2023", "Mis à jour le 3 mars 2024").
_FRENCH_MONTH_NAMES = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                       "novembre", "décembre")  # fmt: skip
_FRENCH_MONTHS = {m: i + 1 for i, m in enumerate(_FRENCH_MONTH_NAMES)}
_FRENCH_DATE = re.compile(r"\b(\d{1,2})(?:er)? (" + "|".join(_FRENCH_MONTHS) + r") (\d{4})\b", re.IGNORECASE)


def article_date(lines: list[str]) -> date | None:
    """A publication date written in the page: a 'Published/Updated …' line, else in the first lines (English,
    or a French date line)."""
    candidates = [m.group(0) for m in _PUBLISHED.finditer("\n".join(lines))] + lines[:3]
    far = date(9999, 12, 31)
    for line in candidates:
        french = _FRENCH_DATE.search(line) if re.match(r"^(?:Publié|Mis à jour|Modifié)\b", line) else None
        if french:
            try:
                return date(int(french[3]), _FRENCH_MONTHS[french[2].lower()], int(french[1]))
            except ValueError:
                continue
        iso = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", line)
        if iso:
            try:
                return date(int(iso[1]), int(iso[2]), int(iso[3]))
            except ValueError:
                continue
        for item in find_dates(line, far, far):
            if item["date_precision"] == "day" and re.search(r"\d{4}", item["phrase"]):
                return date.fromisoformat(item["date"])
    return None
