"""The store's schema, as a named, ordered set of migrations (``sqlite_utils.migrations``).

sqlite-utils 4.2 ships ``Migrations``: each function below runs once per database, in
order, together with its record in ``_sqlite_migrations``; ``migrate`` runs all that are
pending in one transaction. A database written by an older version of the bot is
upgraded in place when the store opens it; no row is lost (the migrations add tables, columns, indexes and views, and
fill the new columns from what is there).

Never edit a migration that has shipped: add the next one.

1. ``m001_initial``: the first schema (exchanges, messages, conversations, pending,
   complaints). A database made before migrations existed already has it, so every
   table is created only if missing.
2. ``m002_privacy``: a per-database secret in ``meta``; ``citizen`` (a pseudonym) on
   exchanges and messages, filled for the rows already there; personal data masked in
   what was already stored (see ``privacy.py``).
3. ``m003_search``: full-text search over messages (FTS5, trigram tokenizer, kept in
   step by triggers); indexes on the times reports count by.
4. ``m004_review_views``: views for reviews that show pseudonyms, never Telegram ids.
"""
from __future__ import annotations

import secrets

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .privacy import mask, pseudonym

MIGRATIONS = Migrations("chuangkou")

_WHO = {"channel": str, "chat_id": int, "user_id": int}

# The first schema, frozen: table -> (columns, create() options).
V1_SCHEMA: dict[str, tuple[dict, dict]] = {
    "exchanges": (
        {"id": int, **_WHO, "started": str, "ended": str, "end_reason": str,
         "questions": int, "rating": int, "rating_label": str, "rated": str, "reason": str},
        {"pk": "id", "not_null": {*_WHO, "started", "questions"}, "defaults": {"questions": 0}},
    ),
    "messages": (
        {"id": int, "exchange_id": int, **_WHO, "time": str, "direction": str, "kind": str,
         "text": str, "said": str, "buttons": str, "status": str, "item": str, "window": str,
         "candidates": str, "score": float},
        {"pk": "id", "not_null": {*_WHO, "time", "direction", "kind", "text"},
         "foreign_keys": [("exchange_id", "exchanges", "id")]},
    ),
    "conversations": (
        {**_WHO, "step": str, "exchange_id": int, "offered": str, "last_item": str,
         "reason_for": int, "idle_due": str, "updated": str},
        {"pk": ("channel", "chat_id", "user_id"), "not_null": {"step", "updated"},
         "foreign_keys": [("exchange_id", "exchanges", "id"), ("reason_for", "exchanges", "id")]},
    ),
    "pending": (
        {"id": int, "time": str, "exchange_id": int, "message_id": int, "window": str,
         "question": str, "status": str},
        {"pk": "id", "not_null": {"time", "window", "question", "status"},
         "defaults": {"status": "pending"},
         "foreign_keys": [("exchange_id", "exchanges", "id"), ("message_id", "messages", "id")]},
    ),
    "complaints": (
        {"id": int, "time": str, "exchange_id": int, "message_id": int, "kind": str,
         "text": str, "status": str},
        {"pk": "id", "not_null": {"time", "kind", "text", "status"}, "defaults": {"status": "new"},
         "foreign_keys": [("exchange_id", "exchanges", "id"), ("message_id", "messages", "id")]},
    ),
}
V1_INDEXES = {
    "exchanges": [("channel", "chat_id", "user_id")],
    "messages": [("exchange_id",), ("channel", "chat_id", "user_id")],
    "conversations": [("idle_due",)],
    "pending": [("window", "status")],
}
# Free text that may hold personal data: table -> columns.
MASKED = {"messages": ("text",), "exchanges": ("reason",), "pending": ("question",),
          "complaints": ("text",)}


@MIGRATIONS()
def m001_initial(db: Database) -> None:
    for name, (columns, options) in V1_SCHEMA.items():
        db[name].create(columns, if_not_exists=True, **options)
    for name, indexes in V1_INDEXES.items():
        for columns in indexes:
            db[name].create_index(columns, if_not_exists=True)


@MIGRATIONS()
def m002_privacy(db: Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
    db["meta"].insert({"key": "pseudonym_secret", "value": secrets.token_hex(16)}, ignore=True)
    secret = secret_of(db)
    for table in ("exchanges", "messages"):
        if "citizen" not in db[table].columns_dict:
            db[table].add_column("citizen", str)
        for channel, user_id in db.execute(
                f"select distinct channel, user_id from {table}").fetchall():
            db.execute(f"update {table} set citizen = ? where channel = ? and user_id = ?",
                       [pseudonym(secret, channel, user_id), channel, user_id])
    for table, columns in MASKED.items():
        for column in columns:
            rows = db.execute(f"select rowid, [{column}] from [{table}] "
                              f"where [{column}] is not null").fetchall()
            for rowid, text in rows:
                masked = mask(text)
                if masked != text:
                    db.execute(f"update [{table}] set [{column}] = ? where rowid = ?",
                               [masked, rowid])


@MIGRATIONS()
def m003_search(db: Database) -> None:
    db["messages"].enable_fts(["text"], fts_version="FTS5", tokenize="trigram",
                              create_triggers=True, replace=True)
    db["messages"].create_index(["time"], if_not_exists=True)
    db["exchanges"].create_index(["started"], if_not_exists=True)
    db["complaints"].create_index(["time"], if_not_exists=True)


REVIEW_VIEWS = {
    "review_conversations": """
        select id, citizen, channel, started, ended, end_reason, questions,
               rating, rating_label, reason as rating_reason
        from exchanges""",
    "review_messages": """
        select id, exchange_id, citizen, time,
               case direction when 'in' then 'citizen' else 'bot' end as [from],
               kind, text, status, item, window, score
        from messages""",
    "review_pending": """
        select pending.id, pending.time, exchanges.citizen, pending.window,
               pending.question, pending.status, pending.exchange_id
        from pending left join exchanges on exchanges.id = pending.exchange_id""",
    "review_complaints": """
        select complaints.id, complaints.time, exchanges.citizen, complaints.kind,
               complaints.text, complaints.status, complaints.exchange_id
        from complaints left join exchanges on exchanges.id = complaints.exchange_id""",
}


@MIGRATIONS()
def m004_review_views(db: Database) -> None:
    for name, sql in REVIEW_VIEWS.items():
        db.create_view(name, sql.strip(), replace=True)


def secret_of(db: Database) -> str:
    return db.execute("select value from meta where key = 'pseudonym_secret'").fetchone()[0]


def migrate(db: Database) -> None:
    """Bring ``db`` to the latest schema (a no-op when it is there already).

    All pending migrations run in one transaction taken with ``BEGIN IMMEDIATE``: the
    upgrade is all or nothing, and when two processes open an old file at once (the bot
    and ``bot.py report``), one migrates while the other waits, then finds nothing to do.
    """
    if not MIGRATIONS.pending(db):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        MIGRATIONS.apply(db)  # each migration in a savepoint of this transaction
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def version(db: Database) -> list[str]:
    """The names of the migrations applied to ``db``, in order."""
    return [m.name for m in MIGRATIONS.applied(db)]
