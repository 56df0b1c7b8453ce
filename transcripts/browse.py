"""`python bot.py review`: browse the database read-only in a web browser, with Datasette.

No web code of our own: Datasette (pinned in pyproject.toml) serves the file, with the
canned queries below written into its metadata. Locked down:

- bound to 127.0.0.1 only (reach it from elsewhere through an SSH tunnel);
- arbitrary SQL off (``allow_sql: false`` and the ``default_allow_sql`` setting), no
  download of the database file, no CSV stream of whole tables;
- the raw tables, which hold Telegram ids, are closed (``allow: false``); what can be
  browsed are the ``review_*`` views (pseudonyms only) and the canned queries;
- the file is opened read-only (Datasette opens a file it serves in mutable mode with
  SQLite's ``mode=ro``, so it sees what the running bot has just written to the WAL;
  ``-i``/immutable mode would not, as it ignores the WAL).

Times in the canned queries are compared in UTC; "today" is the hall's day, from its
time zone's offset when the server starts.
"""
from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Mapping
from zoneinfo import ZoneInfo

from .migrations import REVIEW_VIEWS
from .review import opened

DEFAULT_PORT = 8001
CLOSED_TABLES = ("exchanges", "messages", "conversations", "pending", "complaints", "meta",
                 "_sqlite_migrations", "messages_fts", "messages_fts_data", "messages_fts_idx",
                 "messages_fts_docsize", "messages_fts_config", "messages_fts_content")


def _names_cte(name: str, names: Mapping[str, str]) -> str:
    """A CTE ``name(id, title)`` holding ``names``: the knowledge base's titles, written
    into the query because the database does not hold them."""
    if not names:
        return f"{name}(id, title) as (select null, null where 0)"
    quote = lambda t: "'" + str(t).replace("'", "''") + "'"  # noqa: E731
    rows = ", ".join(f"({quote(k)}, {quote(v)})" for k, v in names.items())
    return f"{name}(id, title) as (values {rows})"


def canned_queries(zone: ZoneInfo, item_names: Mapping[str, str] = {},
                   window_names: Mapping[str, str] = {}) -> dict[str, dict]:
    """The review's canned queries; ``zone`` says when the hall's day starts; items and
    windows are shown by their names when the knowledge base gives them."""
    items, windows = _names_cte("items", item_names), _names_cte("windows", window_names)
    minutes = int(datetime.now(zone).utcoffset().total_seconds() // 60)
    # The start of the hall's today, as a UTC stamp prefix: stored stamps compare after it.
    today = (f"strftime('%Y-%m-%dT%H:%M:%S', date('now', '{minutes:+d} minutes'), "
             f"'{-minutes:+d} minutes')")
    return {
        "today": {
            "title": "Today's conversations",
            "description": "Every conversation started today (the hall's day), newest first.",
            "sql": f"select * from review_conversations where started >= {today} "
                   "order by started desc",
        },
        "unanswered": {
            "title": "Unanswered questions",
            "description": "Questions routed to a window over the last 30 days, most asked "
                           "first: what to add to the knowledge base.",
            "sql": f"with {windows} select text as question, "
                   "coalesce(windows.title, window) as window, count(*) as asked, "
                   "max(time) as last_asked from messages left join windows "
                   "on windows.id = messages.window where status = 'routed' and time >= "
                   "strftime('%Y-%m-%dT%H:%M:%S', 'now', '-30 days') "
                   "group by text, messages.window order by asked desc, last_asked desc "
                   "limit 200",
        },
        "low_ratings": {
            "title": "Low ratings with reasons",
            "description": "Every rating of 2 or 1 (the two lowest levels), newest first, "
                           "with the reason given.",
            "sql": "select id, citizen, started, rating, rating_label, rating_reason, questions "
                   "from review_conversations where rating <= 2 order by started desc",
        },
        "complaints": {
            "title": "Complaints and suggestions",
            "description": "The complaints register, newest first.",
            "sql": "select * from review_complaints order by time desc",
        },
        "busiest_items": {
            "title": "Busiest items",
            "description": "Items by questions answered directly and choices picked, last 30 "
                           "days.",
            "sql": f"with {items} select coalesce(items.title, item) as item, "
                   "sum(direct) as direct, sum(chosen) as chosen, "
                   "sum(direct) + sum(chosen) as total from ("
                   "select item, 1 as direct, 0 as chosen from messages "
                   "where status = 'answered' and time >= "
                   "strftime('%Y-%m-%dT%H:%M:%S', 'now', '-30 days') "
                   "union all select substr(text, 6), 0, 1 from messages "
                   "where kind = 'press' and text like 'item:%' and time >= "
                   "strftime('%Y-%m-%dT%H:%M:%S', 'now', '-30 days')) as x "
                   "left join items on items.id = x.item "
                   "group by x.item order by total desc limit 100",
        },
    }


def metadata(name: str, zone: ZoneInfo, title: str = "", item_names: Mapping[str, str] = {},
             window_names: Mapping[str, str] = {}) -> dict:
    """Datasette's metadata for the database named ``name`` (its file's stem)."""
    tables = {t: {"allow": False, "hidden": True} for t in CLOSED_TABLES}
    tables.update({v: {"description": "Pseudonyms only; no Telegram ids."} for v in REVIEW_VIEWS})
    return {
        "title": title or "Transcripts review",
        "description": "Read-only. Citizens appear by pseudonym.",
        "allow_sql": False,
        "databases": {name: {"tables": tables,
                             "queries": canned_queries(zone, item_names, window_names)}},
    }


def serve_args(path: Path, metadata_file: Path, port: int, host: str = "127.0.0.1") -> list[str]:
    """The ``datasette serve`` command line."""
    return ["serve", str(path), "--host", host, "--port", str(port),
            "--metadata", str(metadata_file),
            "--setting", "default_allow_sql", "off",
            "--setting", "allow_download", "off",
            "--setting", "allow_csv_stream", "off"]


def review_command(path: Path, zone: ZoneInfo, port: int = DEFAULT_PORT, title: str = "",
                   item_names: Mapping[str, str] = {}, window_names: Mapping[str, str] = {}) -> int:
    """Serve ``path`` with Datasette on 127.0.0.1:``port`` until Ctrl-C or SIGTERM."""
    from datasette.cli import cli

    path = Path(path).resolve()
    with opened(path):  # a missing file is named; an older schema gets its views
        pass
    with tempfile.TemporaryDirectory(prefix="chuangkou-review-") as tmp:
        meta = Path(tmp) / "metadata.json"
        meta.write_text(json.dumps(metadata(path.stem, zone, title, item_names, window_names),
                                   ensure_ascii=False,
                                   indent=2), encoding="utf-8")
        print(f"Reviewing {path} read-only at http://127.0.0.1:{port}/{path.stem} "
              "(Ctrl-C stops)", flush=True)
        try:
            cli.main(serve_args(path, meta, port), prog_name="datasette", standalone_mode=False)
        except KeyboardInterrupt:
            return 130
    return 0
