"""The day's and the month's report for supervisors, counted from the database.

``build(db, period, ...)`` counts; ``markdown(report)`` and ``html(report)`` render it
with the Jinja2 templates in ``templates/`` (all the report's Chinese wording lives
there). The HTML page carries its charts inline as SVG drawn by pygal (pure Python, no
native library, SVG that scales and keeps its Chinese labels as text), with nothing
loaded from outside the page: it opens offline and can be mailed as one file.

What is counted, for the conversations (exchanges) started in the period and the
messages written in it:

- enquiries: conversations, those in which the citizen asked something, and questions
  (each decision of the matcher);
- answered directly, by choice (candidates offered; ``picked`` counts the presses that
  chose one), routed to a window;
- per item (answered directly, chosen from a choice) and per window (every decision);
- the routed questions grouped by similarity, most asked first: what staff should add
  to the knowledge base next;
- the ratings (好差评), the satisfaction rate (基本满意 or better, over all rated), every
  不满意 and 非常不满意 with its reason;
- complaints and suggestions, as written (masked).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Mapping

from rapidfuzz import fuzz, process
from sqlite_utils import Database

from .period import Period

TEMPLATES = Path(__file__).with_name("templates")
QUESTION_WORDS = TEMPLATES / "question_words.txt"
SIMILAR = 70  # rapidfuzz ratio (0-100) at which two questions, bare of question words, group
GROUPS = 10  # top unanswered groups shown
GROUPED_AT_MOST = 3000  # distinct routed questions compared (the most asked); the rest counted
LOW = 2  # 不满意 and 非常不满意
SATISFIED = 3  # 基本满意 and better
LEVELS = (5, 4, 3, 2, 1)


@dataclass
class Group:
    """Routed questions that say much the same thing."""

    count: int
    text: str  # the most asked wording
    examples: list[str]  # other wordings, most asked first
    window: str  # where most of them were sent


@dataclass
class Report:
    period: Period
    hall: str
    generated: datetime
    conversations: int = 0
    enquiring: int = 0
    questions: int = 0
    answered: int = 0
    choice: int = 0
    picked: int = 0
    routed: int = 0
    complaint_count: int = 0
    suggestion_count: int = 0
    items: list[tuple[str, int, int]] = field(default_factory=list)  # label, direct, chosen
    windows: list[tuple[str, int]] = field(default_factory=list)
    unanswered: list[Group] = field(default_factory=list)
    routed_distinct: int = 0
    ratings: list[tuple[int, str, int]] = field(default_factory=list)  # level, label, count
    rated: int = 0
    satisfaction: float | None = None
    low: list[dict] = field(default_factory=list)
    complaints: list[dict] = field(default_factory=list)
    per_day: list[tuple[date, int]] = field(default_factory=list)

    def share(self, n: int) -> str:
        return f"{100 * n / self.questions:.1f}%" if self.questions else "-"


def _question_words() -> re.Pattern:
    words = [w.strip() for w in QUESTION_WORDS.read_text(encoding="utf-8").splitlines()
             if w.strip() and not w.startswith("#")]
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
                      + r"|[\s\W_]+")


def group_questions(counts: Mapping[str, int], windows: Mapping[str, str] | None = None,
                    cutoff: float = SIMILAR, limit: int = GROUPED_AT_MOST) -> list[Group]:
    """Questions grouped by similarity, the biggest group first.

    Each question, most asked first, joins the first group whose first wording is at
    least ``cutoff`` alike (rapidfuzz ``fuzz.ratio`` on the characters left once the
    question words and punctuation are out), else starts a group. Greedy and in one pass:
    it orders what staff should read, it does not need to be a perfect clustering."""
    bare = _question_words()
    windows = windows or {}
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    heads: list[str] = []  # bare text of each group's first wording
    groups: list[list[tuple[str, int]]] = []
    for text, n in ordered[:limit]:
        key = bare.sub("", text) or text
        found = process.extractOne(key, heads, scorer=fuzz.ratio, score_cutoff=cutoff)
        if found is None:
            heads.append(key)
            groups.append([(text, n)])
        else:
            groups[found[2]].append((text, n))
    for text, n in ordered[limit:]:  # too rare to compare one by one: a group each
        groups.append([(text, n)])
    out = []
    for members in groups:
        sent = Counter()
        for text, n in members:
            sent[windows.get(text, "")] += n
        out.append(Group(sum(n for _, n in members), members[0][0],
                         [t for t, _ in members[1:4]], sent.most_common(1)[0][0]))
    out.sort(key=lambda g: -g.count)
    return out


def build(db: Database, period: Period, *, hall: str = "", rating_labels: Mapping[int, str] = {},
          item_names: Mapping[str, str] = {}, window_names: Mapping[str, str] = {},
          now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> Report:
    """Count the report of ``period`` from ``db``."""
    start, end = period.bounds
    r = Report(period, hall, now().astimezone(period.start.tzinfo))

    def one(sql: str, params=()) -> int:
        return db.execute(sql, list(params)).fetchone()[0] or 0

    r.conversations, r.enquiring = db.execute(
        "select count(*), coalesce(sum(questions > 0), 0) from exchanges "
        "where started >= ? and started < ?", [start, end]).fetchone()
    in_period = "time >= ? and time < ?"
    decided = db.execute(f"select status, count(*) from messages where {in_period} "
                         "and direction = 'in' and status is not null group by status",
                         [start, end]).fetchall()
    by_status = dict(decided)
    r.answered, r.choice, r.routed = (by_status.get(s, 0) for s in ("answered", "choose", "routed"))
    r.questions = sum(by_status.values())

    chosen = dict(db.execute(
        f"select substr(text, 6), count(*) from messages where {in_period} and kind = 'press' "
        "and text like 'item:%' group by 1", [start, end]).fetchall())
    r.picked = sum(chosen.values())
    direct = dict(db.execute(
        f"select item, count(*) from messages where {in_period} and status = 'answered' "
        "group by item", [start, end]).fetchall())
    items = [(item_names.get(i, i), direct.get(i, 0), chosen.get(i, 0))
             for i in set(direct) | set(chosen)]
    r.items = sorted(items, key=lambda t: (-(t[1] + t[2]), t[0]))
    windows = db.execute(
        f"select window, count(*) from messages where {in_period} and direction = 'in' "
        "and status is not null group by window", [start, end]).fetchall()
    r.windows = sorted(((window_names.get(w, w), n) for w, n in windows), key=lambda t: (-t[1], t[0]))

    routed = db.execute(f"select text, window from messages where {in_period} "
                        "and status = 'routed'", [start, end]).fetchall()
    counts = Counter(t for t, _ in routed)
    sent_to = {t: window_names.get(w, w) for t, w in routed}
    r.routed_distinct = len(counts)
    r.unanswered = group_questions(counts, sent_to)[:GROUPS]

    ratings = dict(db.execute("select rating, count(*) from exchanges where started >= ? "
                              "and started < ? and rating is not null group by rating",
                              [start, end]).fetchall())
    r.ratings = [(level, rating_labels.get(level, str(level)), ratings.get(level, 0))
                 for level in LEVELS]
    r.rated = sum(ratings.values())
    if r.rated:
        r.satisfaction = sum(n for level, n in ratings.items() if level >= SATISFIED) / r.rated
    r.low = [{"id": i, "citizen": c, "at": _local(at, period), "level": level,
              "label": rating_labels.get(level, label or str(level)), "reason": reason}
             for i, c, at, level, label, reason in db.execute(
                 "select id, citizen, coalesce(rated, ended, started), rating, rating_label, "
                 "reason from exchanges where started >= ? and started < ? and rating <= ? "
                 "order by id", [start, end, LOW])]
    r.complaints = [{"at": _local(at, period), "kind": kind, "text": text, "status": status,
                     "id": exchange, "citizen": citizen}
                    for at, kind, text, status, exchange, citizen in db.execute(
                        "select c.time, c.kind, c.text, c.status, c.exchange_id, e.citizen "
                        "from complaints c left join exchanges e on e.id = c.exchange_id "
                        "where c.time >= ? and c.time < ? order by c.time, c.id", [start, end])]
    kinds = Counter(c["kind"] for c in r.complaints)
    r.complaint_count, r.suggestion_count = kinds["complaint"], kinds["suggestion"]

    # Questions per day on the hall's clock: the zone's offset at the period's start
    # (the halls this serves keep one offset all year).
    offset = int(period.start.utcoffset().total_seconds() // 60)
    per_day = dict(db.execute(
        f"select date(time, '{offset:+d} minutes'), count(*) from messages where {in_period} "
        "and direction = 'in' and status is not null group by 1", [start, end]).fetchall())
    r.per_day = [(d, per_day.get(d.isoformat(), 0)) for d in period.days()]
    return r


def _local(stamp: str | None, period: Period) -> str:
    if not stamp:
        return "-"
    return datetime.fromisoformat(stamp).astimezone(period.start.tzinfo).strftime("%Y-%m-%d %H:%M")


# -- rendering ---------------------------------------------------------------------------------


def _environment(autoescape: bool):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=autoescape,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["pct"] = lambda x: "-" if x is None else f"{100 * x:.1f}%"
    return env


def markdown(report: Report) -> str:
    """The report as Markdown, for the terminal and for Telegram."""
    return _environment(False).get_template("report.md.j2").render(r=report)


def charts(report: Report) -> dict[str, str]:
    """Inline SVG charts (pygal): the outcome of questions, per window, per day, ratings."""
    import pygal
    from pygal.style import Style

    style = Style(font_family="'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif",
                  background="white", plot_background="white",
                  colors=("#2b6cb0", "#38a169", "#dd6b20", "#c53030", "#805ad5", "#718096"))
    # js=[]: pygal links its tooltip script from the web by default; a report must open
    # offline, so the charts are plain SVG.
    common = dict(style=style, js=[], disable_xml_declaration=True, width=640, height=320,
                  legend_at_bottom=True, print_values=True, show_y_guides=True)
    labels = _environment(False).get_template("chart_labels.j2").module
    out = {}
    pie = pygal.Pie(title=labels.outcome, **common)
    pie.add(labels.direct, report.answered)
    pie.add(labels.choice, report.choice)
    pie.add(labels.routed, report.routed)
    out["outcome"] = pie.render(is_unicode=True)
    if report.windows:
        bar = pygal.HorizontalBar(title=labels.windows, show_legend=False,
                                  **{**common, "height": 60 + 28 * min(len(report.windows), 20)})
        top = report.windows[:20][::-1]
        bar.x_labels = [w for w, _ in top]
        bar.add(labels.questions, [n for _, n in top])
        out["windows"] = bar.render(is_unicode=True)
    ratings = pygal.Bar(title=labels.ratings, show_legend=False, **common)
    ratings.x_labels = [label for _, label, _ in report.ratings]
    ratings.add(labels.rated, [n for _, _, n in report.ratings])
    out["ratings"] = ratings.render(is_unicode=True)
    if len(report.per_day) > 1:
        days = pygal.Bar(title=labels.per_day, show_legend=False,
                         **{**common, "print_values": False, "x_label_rotation": 0})
        days.x_labels = [str(d.day) for d, _ in report.per_day]
        days.add(labels.questions, [n for _, n in report.per_day])
        out["per_day"] = days.render(is_unicode=True)
    return out


def html(report: Report) -> str:
    """The report as one HTML page with its charts inline: opens offline."""
    from markupsafe import Markup

    svgs = {k: Markup(v) for k, v in charts(report).items()}
    return _environment(True).get_template("report.html.j2").render(
        r=report, charts=svgs)


# -- the command -------------------------------------------------------------------------------


def names_from(base, phrases) -> dict:
    """Titles of items, windows as citizens know them, rating labels: for ``build``."""
    window_names = {}
    for w in base.windows.values():
        window_names[w.id] = phrases.say("window_no_location", number=w.number, name=w.name)
    return {"hall": base.hall.name, "item_names": {i.id: i.title for i in base.items.values()},
            "window_names": window_names,
            "rating_labels": {level: phrases.rating_label(level) for level in LEVELS}}


def report_command(path: Path, out, period: Period, names: dict, html_file: Path | None = None) -> int:
    """Write the Markdown report to ``out``; and the HTML page to ``html_file`` if named."""
    from .review import opened

    with opened(path) as db:
        report = build(db, period, **names)
    out.write(markdown(report))
    if html_file is not None:
        html_file.write_text(html(report), encoding="utf-8")
    return 0
