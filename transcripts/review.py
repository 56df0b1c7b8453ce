"""Reviewing transcripts from the command line: list, show, search, sample, export.

Each ``*_command`` function is what one ``python bot.py transcripts ...`` sub-command
does: open the database (migrating an older one first), write plain text or JSON lines
to ``out``. Citizens appear by their pseudonym, never by their Telegram id, and times on
the hall's clock.

Export writes one conversation (one exchange) a line::

    {"id": 12, "chat": "c-3fa2b1c9", "started": "...", "ended": "...", "rating": 4,
     "rating_reason": null, "messages": [{"at": "...", "from": "citizen", "text": "..."}]}

``from`` is "citizen", "bot" or "staff"; a pressed button is shown by its label.
"""
from __future__ import annotations

import json
import random
from contextlib import contextmanager
from datetime import datetime
from itertools import groupby
from pathlib import Path
from typing import IO, Iterator
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from .errors import ReviewError
from .period import Period
from .store import Store

SEARCH_LIMIT = 50
TRIGRAM = 3  # FTS5's trigram tokenizer finds only strings of three characters or more
_FROM = {"in": "citizen", "out": "bot", "staff": "staff"}


@contextmanager
def opened(path: Path | str) -> Iterator[Database]:
    """The database at ``path``, migrated to the current schema."""
    path = Path(path)
    if not path.is_file():
        raise ReviewError(f"{path}: no such database (the bot writes it when it runs; "
                          "name another with --database FILE)")
    store = Store(path)
    try:
        yield store.db
    finally:
        store.close()


def _local(text: str | None, zone: ZoneInfo) -> str | None:
    if not text:
        return text
    return datetime.fromisoformat(text).astimezone(zone).isoformat(timespec="seconds")


def _short(text: str | None, zone: ZoneInfo) -> str:
    return (_local(text, zone) or "-").replace("T", " ")[:19]


# -- reading -----------------------------------------------------------------------------


def conversations(db: Database, period: Period | None,
                  ids: list[int] | None = None) -> Iterator[dict]:
    """Each conversation started in ``period`` (or each of ``ids``), with its messages, in
    the export's shape; times in UTC."""
    head = "select id, citizen, started, ended, rating, reason from exchanges "
    columns = "select exchange_id, time, direction, kind, text, buttons from messages "
    if ids is not None:
        heads = db.execute(head + f"where id in ({', '.join('?' * len(ids))}) order by id",
                           list(ids)).fetchall()
        by_exchange = {i: db.execute(columns + "where exchange_id = ? order by id", [i]).fetchall()
                       for i, *_ in heads}
    else:
        heads = db.execute(head + "where started >= ? and started < ? order by id",
                           list(period.bounds)).fetchall()
        if not heads:
            return
        # Exchanges are numbered as they start: one range read gives every message.
        rows = db.execute(columns + "where exchange_id between ? and ? order by exchange_id, id",
                          [heads[0][0], heads[-1][0]])
        by_exchange = {k: list(g) for k, g in groupby(rows, key=lambda r: r[0])}
    for id_, citizen, started, ended, rating, reason in heads:
        yield {"id": id_, "chat": citizen, "started": started, "ended": ended, "rating": rating,
               "rating_reason": reason, "messages": _messages(by_exchange.get(id_, []))}


def _messages(rows: list) -> list[dict]:
    labels: dict[str, str] = {}
    out = []
    for _, at, direction, kind, text, buttons in rows:
        if direction == "out" and buttons:
            labels.update({data: label for data, label in json.loads(buttons)})
        if kind == "press":
            text = labels.get(text, text)
        out.append({"at": at, "from": _FROM.get(direction, direction), "text": text})
    return out


def conversation(db: Database, exchange_id: int) -> dict:
    found = list(conversations(db, None, ids=[exchange_id])) if exchange_id else []
    if not found:
        raise ReviewError(f"no conversation {exchange_id}")
    return found[0]


def search(db: Database, text: str, period: Period, limit: int = SEARCH_LIMIT) -> list[dict]:
    """Messages whose text contains ``text``, newest first: full-text (FTS5 trigram)
    for three characters or more, a plain scan for shorter ones."""
    start, end = period.bounds
    if len(text) >= TRIGRAM:
        sql = ("select m.id, m.exchange_id, m.citizen, m.time, m.direction, m.text "
               "from messages_fts join messages m on m.id = messages_fts.rowid "
               "where messages_fts match ? and m.time >= ? and m.time < ? "
               "order by m.time desc limit ?")
        params = ['"' + text.replace('"', '""') + '"', start, end, limit]
    else:
        sql = ("select id, exchange_id, citizen, time, direction, text from messages "
               "where instr(text, ?) > 0 and time >= ? and time < ? order by time desc limit ?")
        params = [text, start, end, limit]
    return [{"message": r[0], "id": r[1], "chat": r[2], "at": r[3],
             "from": _FROM.get(r[4], r[4]), "text": r[5]} for r in db.execute(sql, params)]


def sample_ids(db: Database, n: int, period: Period, seed: int | None = None) -> list[int]:
    """``n`` conversations drawn at random among those started in ``period`` in which the
    citizen asked something (定期抽查); all of them if there are fewer."""
    start, end = period.bounds
    ids = [r[0] for r in db.execute(
        "select id from exchanges where started >= ? and started < ? and questions > 0 "
        "order by id", [start, end])]
    return sorted(random.Random(seed).sample(ids, min(n, len(ids))))


# -- the commands ----------------------------------------------------------------------------


def list_command(path: Path, out: IO[str], period: Period, zone: ZoneInfo,
                 limit: int | None = None) -> int:
    """One line per conversation: id, start, citizen, questions, rating, how it ended."""
    with opened(path) as db:
        start, end = period.bounds
        sql = ("select id, started, citizen, questions, rating, rating_label, end_reason "
               "from exchanges where started >= ? and started < ? order by id desc")
        rows = db.execute(sql + (f" limit {int(limit)}" if limit else ""), [start, end]).fetchall()
        out.write(f"{'id':>6}  {'started':19}  {'citizen':10}  {'q':>2}  rating  ended\n")
        for id_, started, citizen, questions, rating, label, reason in reversed(rows):
            rated = f"{rating} {label}" if rating else "-"
            out.write(f"{id_:>6}  {_short(started, zone)}  {citizen or '-':10}  {questions:>2}  "
                      f"{rated:6}  {reason or 'open'}\n")
        out.write(f"{len(rows)} conversation(s)\n")
    return 0


def write_conversation(c: dict, out: IO[str], zone: ZoneInfo) -> None:
    out.write(f"== conversation {c['id']}  citizen {c['chat']}  "
              f"{_short(c['started'], zone)} .. {_short(c['ended'], zone)}\n")
    for m in c["messages"]:
        text = m["text"].replace("\n", "\n" + " " * 19)
        out.write(f"{_short(m['at'], zone)[11:]}  {m['from']:>7}: {text}\n")
    if c["rating"] is not None:
        out.write(f"rating: {c['rating']}" + (f"  reason: {c['rating_reason']}"
                                              if c["rating_reason"] else "") + "\n")


def show_command(path: Path, out: IO[str], exchange_id: int, zone: ZoneInfo) -> int:
    """Every message of one conversation, both ways, with its time."""
    with opened(path) as db:
        write_conversation(conversation(db, exchange_id), out, zone)
    return 0


def search_command(path: Path, out: IO[str], text: str, period: Period, zone: ZoneInfo,
                   limit: int = SEARCH_LIMIT) -> int:
    """Messages containing ``text`` (newest first), with their conversation's id."""
    with opened(path) as db:
        found = search(db, text, period, limit)
    for m in found:
        shown = m["text"].replace("\n", " ")
        shown = shown if len(shown) <= 80 else shown[:79] + "…"
        out.write(f"{m['id'] or '-':>6}  {_short(m['at'], zone)}  {m['chat'] or '-':10}  "
                  f"{m['from']:>7}: {shown}\n")
    out.write(f"{len(found)} message(s)\n")
    return 0


def sample_command(path: Path, out: IO[str], n: int, period: Period, zone: ZoneInfo,
                   seed: int | None = None) -> int:
    """``n`` random conversations of ``period``, in full, for the spot check."""
    with opened(path) as db:
        ids = sample_ids(db, n, period, seed)
        for c in conversations(db, period, ids=ids) if ids else []:
            write_conversation(c, out, zone)
            out.write("\n")
    out.write(f"{len(ids)} conversation(s) drawn from {period.label}\n")
    return 0


def export_command(path: Path, out: IO[str], period: Period) -> int:
    """JSON lines, one conversation a line (times in UTC)."""
    with opened(path) as db:
        for c in conversations(db, period):
            out.write(json.dumps(c, ensure_ascii=False) + "\n")
    return 0
