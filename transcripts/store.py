"""Every exchange, as it happens, in one SQLite file (sqlite-utils, WAL mode).

The schema, table by table (times are UTC, ISO 8601 with milliseconds):

``exchanges``     one visit to the window: from the first message (or /start) to 办完了,
                  再见, the idle time or /cancel; with its rating (5 非常满意 .. 1 非常不满意)
                  and the reason given for a low one.
``messages``      each message both ways: ``direction`` 'in' (the citizen) or 'out' (the
                  clerk); for a question, the matcher's decision (``status``, ``item``,
                  ``window``, ``candidates``, ``score``); for a reply, what was said
                  (``said``: a phrase key or 'notice') and its buttons.
``conversations`` what a conversation needs to continue after a restart, one row per
                  citizen and chat: the open exchange, the candidates offered, the
                  exchange waiting for a reason, the idle timer.
``pending``       questions routed to a window, waiting for its staff (the handoff).
``complaints``    the complaints register: complaints and suggestions, as written.

A chat is named by (channel, chat_id, user_id): 'telegram' and its ids, or 'terminal'.
Multi-step writes go in one transaction (``with store.atomic():``); errors are raised,
never swallowed.

The schema is owned by ``migrations.py`` (applied when a store opens a file, so an older
database is upgraded in place). Free text is masked before it is written
(``privacy.mask``: ID, mobile and bank card numbers, e-mail addresses), and each row
carries ``citizen``, a stable pseudonym that reviews show instead of the Telegram id.
"""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from sqlite_utils import Database

from .migrations import migrate, secret_of
from .privacy import mask, pseudonym

WAL_WAIT = 10.0  # seconds to keep trying to switch a file to WAL while others hold it


@dataclass(frozen=True)
class Chat:
    """Who the clerk is talking to, and where."""

    channel: str  # "telegram" or "terminal"
    chat_id: int
    user_id: int


def stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def parse_stamp(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class Store:
    """The SQLite file of exchanges; one per running bot."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = Database(self.path)
        _enable_wal(self.db)
        self.db.execute("PRAGMA foreign_keys = ON")
        migrate(self.db)
        self._secret = secret_of(self.db)

    def citizen(self, chat: Chat) -> str:
        """The pseudonym reviews show for this citizen."""
        return pseudonym(self._secret, chat.channel, chat.user_id)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def atomic(self) -> Iterator[Store]:
        """One transaction: everything inside is written, or nothing."""
        with self.db.atomic():
            yield self

    # -- conversations -------------------------------------------------------------

    def conversation(self, chat: Chat) -> dict | None:
        rows = list(self.db["conversations"].rows_where(
            "channel = ? and chat_id = ? and user_id = ?", [chat.channel, chat.chat_id, chat.user_id]))
        if not rows:
            return None
        row = rows[0]
        row["offered"] = tuple(json.loads(row["offered"] or "[]"))
        row["idle_due"] = parse_stamp(row["idle_due"])
        return row

    def save_conversation(self, chat: Chat, now: datetime, *, step: str, exchange_id: int | None,
                          offered: tuple[str, ...], last_item: str | None,
                          reason_for: int | None, idle_due: datetime | None) -> None:
        self.db["conversations"].upsert(
            {"channel": chat.channel, "chat_id": chat.chat_id, "user_id": chat.user_id,
             "step": step, "exchange_id": exchange_id, "offered": json.dumps(list(offered)),
             "last_item": last_item, "reason_for": reason_for,
             "idle_due": stamp(idle_due) if idle_due else None, "updated": stamp(now)},
            pk=("channel", "chat_id", "user_id"))

    def idle_timers(self) -> list[tuple[Chat, datetime]]:
        """Every conversation with an idle timer running, and when it fires."""
        rows = self.db.query("select channel, chat_id, user_id, idle_due from conversations "
                             "where idle_due is not null order by idle_due")
        return [(Chat(r["channel"], r["chat_id"], r["user_id"]), parse_stamp(r["idle_due"]))
                for r in rows]

    # -- exchanges ---------------------------------------------------------------------

    def open_exchange(self, chat: Chat, now: datetime) -> int:
        table = self.db["exchanges"].insert(
            {"channel": chat.channel, "chat_id": chat.chat_id, "user_id": chat.user_id,
             "citizen": self.citizen(chat), "started": stamp(now), "questions": 0})
        return table.last_pk

    def exchange(self, exchange_id: int) -> dict | None:
        rows = list(self.db["exchanges"].rows_where("id = ?", [exchange_id]))
        return rows[0] if rows else None

    def end_exchange(self, exchange_id: int, now: datetime, reason: str) -> None:
        self.db["exchanges"].update(exchange_id, {"ended": stamp(now), "end_reason": reason})

    def count_question(self, exchange_id: int) -> None:
        self.db.execute("update exchanges set questions = questions + 1 where id = ?",
                        [exchange_id])

    def rate(self, exchange_id: int, level: int, label: str, now: datetime) -> None:
        self.db["exchanges"].update(exchange_id, {"rating": level, "rating_label": label,
                                                  "rated": stamp(now)})

    def give_reason(self, exchange_id: int, reason: str) -> None:
        self.db["exchanges"].update(exchange_id, {"reason": mask(reason)})

    # -- messages and registers ------------------------------------------------------

    def add_message(self, chat: Chat, exchange_id: int | None, now: datetime, direction: str,
                    kind: str, text: str, *, said: str | None = None,
                    buttons: list[tuple[str, str]] | None = None) -> int:
        row = {"exchange_id": exchange_id, "channel": chat.channel, "chat_id": chat.chat_id,
               "user_id": chat.user_id, "citizen": self.citizen(chat), "time": stamp(now),
               "direction": direction, "kind": kind, "text": mask(text), "said": said,
               "buttons": json.dumps(buttons, ensure_ascii=False) if buttons else None}
        return self.db["messages"].insert(row).last_pk

    def last_reply(self, chat: Chat) -> tuple[str | None, int | None]:
        """What the clerk's last message to this chat said (a phrase key or 'notice') and
        its exchange; (None, None) before any."""
        row = self.db.execute(
            "select said, exchange_id from messages where channel = ? and chat_id = ? "
            "and user_id = ? and direction = 'out' and kind = 'text' order by id desc limit 1",
            [chat.channel, chat.chat_id, chat.user_id]).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def add_decision(self, message_id: int, status: str, item: str | None, window: str,
                     candidates: list[str], score: float) -> None:
        """The matcher's decision on the question in ``message_id``."""
        self.db["messages"].update(message_id, {
            "status": status, "item": item, "window": window,
            "candidates": json.dumps(candidates) if candidates else None, "score": score})

    def add_pending(self, exchange_id: int, message_id: int, now: datetime, window: str,
                    question: str) -> int:
        return self.db["pending"].insert(
            {"time": stamp(now), "exchange_id": exchange_id, "message_id": message_id,
             "window": window, "question": mask(question), "status": "pending"}).last_pk

    def add_complaint(self, exchange_id: int, message_id: int, now: datetime, kind: str,
                      text: str) -> int:
        return self.db["complaints"].insert(
            {"time": stamp(now), "exchange_id": exchange_id, "message_id": message_id,
             "kind": kind, "text": mask(text), "status": "new"}).last_pk


def _enable_wal(db: Database) -> None:
    """Switch the file to WAL, waiting for other processes that hold it.

    The switch needs the file to itself, and SQLite does not wait for that (no busy
    timeout applies): a bot and ``bot.py report`` opening an old file at once would
    fail with "database is locked". Once one of them has switched, the others see WAL
    and have nothing to do.
    """
    deadline = time.monotonic() + WAL_WAIT
    while True:
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
