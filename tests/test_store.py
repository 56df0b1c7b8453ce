"""The store's schema, migrations, masking and pseudonyms, on real database files."""
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from sqlite_utils import Database

from transcripts.migrations import MIGRATIONS, V1_SCHEMA, version
from transcripts.privacy import id_number_ok, luhn_ok, mask, pseudonym
from transcripts.store import Chat, Store

ROOT = Path(__file__).resolve().parent.parent
V1_DUMP = Path(__file__).parent / "data" / "store_v1.sql"
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)


def v1_database(path: Path) -> Path:
    """A database as the first schema's code wrote it (no migrations table at all)."""
    with sqlite3.connect(path) as con:
        con.executescript(V1_DUMP.read_text(encoding="utf-8"))
    con.close()
    return path


def rows(path: Path, table: str) -> list[dict]:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(f"select * from {table} order by rowid")]
    finally:
        con.close()


# -- masking ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text, masked", [
    ("我的身份证号是11010519491231002X，帮我查一下", "我的身份证号是[ID]，帮我查一下"),
    ("身份证110105194912310021x", "身份证110105194912310021x"),  # wrong check digit: kept
    ("老证号110105491231002还能用吗", "老证号[ID]还能用吗"),
    ("电话13800138000，打不通", "电话[MOBILE]，打不通"),
    ("手机138 0013 8000或+86-139-1234-5678", "手机[MOBILE]或[MOBILE]"),
    ("卡号6222021234567890123没到账", "卡号6222021234567890123没到账"),  # fails Luhn: kept
    ("卡号4111 1111 1111 1111没到账", "卡号[CARD]没到账"),
    ("材料发到zhang.san@example.com了", "材料发到[EMAIL]了"),
])
def test_masking_catches_personal_data_inside_chinese_text(text, masked):
    assert mask(text) == masked


@pytest.mark.parametrize("text", [
    "请到5号窗口", "3个工作日", "2025年3月3日", "工本费20元", "9:00-12:00,13:30-17:30",
    "咨询电话0000-1234567", "第12345678号文件", "2025-03-03", "一共3 5 7份",
])
def test_ordinary_numbers_stay(text):
    assert mask(text) == text


def test_id_checksum_and_luhn():
    assert id_number_ok("11010519491231002X") and not id_number_ok("110105194912310020")
    assert not id_number_ok("110105194913310027")  # month 13
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


def _id_with_check(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


@given(area=st.integers(110000, 659999), born=st.dates(datetime(1930, 1, 1).date(),
                                                       datetime(2020, 12, 31).date()),
       seq=st.integers(0, 999), before=st.sampled_from(["身份证", "号码是", "，", ""]),
       after=st.sampled_from(["的", "，谢谢", ""]))
def test_every_valid_id_number_is_masked_wherever_it_stands(area, born, seq, before, after):
    number = _id_with_check(f"{area}{born:%Y%m%d}{seq:03d}")
    assert mask(f"{before}{number}{after}") == f"{before}[ID]{after}"


@given(prefix=st.sampled_from("3456789"), rest=st.integers(0, 999_999_999),
       style=st.sampled_from([lambda n: n, lambda n: "+86" + n, lambda n: f"{n[:3]} {n[3:7]} {n[7:]}",
                              lambda n: f"{n[:3]}-{n[3:7]}-{n[7:]}"]),
       before=st.sampled_from(["我的手机", "电话：", "打", ""]), after=st.sampled_from(["，谢谢", "找我", ""]))
def test_every_mobile_number_is_masked_wherever_it_stands(prefix, rest, style, before, after):
    number = style(f"1{prefix}{rest:09d}")
    assert mask(f"{before}{number}{after}") == f"{before}[MOBILE]{after}"


@given(st.integers(0, 999))
def test_counts_and_dates_are_never_masked(n):
    for text in (f"{n}号窗口", f"{n}个工作日", f"{1900 + n}年", f"{n}元"):
        assert mask(text) == text


def test_the_store_masks_what_it_writes_and_names_citizens_by_pseudonym(tmp_path):
    store = Store(tmp_path / "chat.db")
    anna = Chat("telegram", 1001, 1001)
    exchange = store.open_exchange(anna, NOW)
    message = store.add_message(anna, exchange, NOW, "in", "text", "电话13800138000")
    store.add_pending(exchange, message, NOW, "consult", "电话13800138000")
    store.add_complaint(exchange, message, NOW, "complaint", "我叫张三 zs@qq.com")
    store.give_reason(exchange, "身份证11010519491231002X办不了")
    store.close()
    path = tmp_path / "chat.db"
    assert rows(path, "messages")[0]["text"] == "电话[MOBILE]"
    assert rows(path, "pending")[0]["question"] == "电话[MOBILE]"
    assert rows(path, "complaints")[0]["text"] == "我叫张三 [EMAIL]"
    assert rows(path, "exchanges")[0]["reason"] == "身份证[ID]办不了"
    citizen = rows(path, "exchanges")[0]["citizen"]
    assert citizen == rows(path, "messages")[0]["citizen"]
    assert citizen.startswith("c-") and "1001" not in citizen
    # Stable: the same citizen has the same name after a restart; another has another.
    store = Store(path)
    assert store.citizen(anna) == citizen != store.citizen(Chat("telegram", 1002, 1002))
    store.close()


def test_pseudonyms_differ_between_secrets():
    assert pseudonym("a", "telegram", 1) != pseudonym("b", "telegram", 1)
    assert pseudonym("a", "telegram", 1) == pseudonym("a", "telegram", 1)


# -- migrations ------------------------------------------------------------------------------


def test_a_new_database_has_every_migration(tmp_path):
    store = Store(tmp_path / "chat.db")
    assert version(store.db) == ["m001_initial", "m002_privacy", "m003_search",
                                 "m004_review_views"]
    assert store.db.journal_mode == "wal"
    store.close()


def test_a_first_schema_database_migrates_in_place_losing_no_row(tmp_path):
    path = v1_database(tmp_path / "old.db")
    before = {t: rows(path, t) for t in V1_SCHEMA}
    assert sum(len(r) for r in before.values()) == 31

    Store(path).close()

    db = Database(path)
    assert version(db) == [m.name for m in MIGRATIONS._migrations]
    for table, old_rows in before.items():
        new_rows = rows(path, table)
        assert len(new_rows) == len(old_rows), table
        for old, new in zip(old_rows, new_rows):
            for column, value in old.items():
                # Every value is still there; only personal data is masked.
                assert new[column] == (mask(value) if isinstance(value, str) else value), \
                    (table, column)
    # The two citizens got their pseudonyms, the same in exchanges and messages.
    names = {(r["user_id"], r["citizen"]) for r in rows(path, "messages")}
    assert len(names) == 2 and all(c and c.startswith("c-") for _, c in names)
    assert names >= {(r["user_id"], r["citizen"]) for r in rows(path, "exchanges")}
    # What the old code stored in clear is masked now.
    texts = " ".join(r["text"] for r in rows(path, "messages"))
    assert "13800138000" not in texts and "[MOBILE]" in texts and "[ID]" in texts
    # And the migrated file is searchable like a new one.
    found = db.execute("select rowid from messages_fts where messages_fts match ?",
                       ['"发票怎"']).fetchall()
    assert len(found) == 1
    db.close()


def test_migrating_twice_changes_nothing(tmp_path):
    path = v1_database(tmp_path / "old.db")
    Store(path).close()
    once = {t: rows(path, t) for t in V1_SCHEMA}
    Store(path).close()
    assert {t: rows(path, t) for t in V1_SCHEMA} == once


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    path = v1_database(tmp_path / "old.db")
    before = rows(path, "messages")

    def broken(db):
        raise RuntimeError("disk full")

    monkeypatch.setattr(MIGRATIONS._migrations[2], "fn", broken)
    with pytest.raises(RuntimeError):
        Store(path)
    # All or nothing: not even the first two are recorded, no column was added.
    assert rows(path, "messages") == before
    assert version(Database(path)) == []
    assert "citizen" not in Database(path)["messages"].columns_dict


def test_two_processes_opening_an_old_file_at_once_migrate_it_once(tmp_path):
    path = v1_database(tmp_path / "old.db")
    code = ("import sys; sys.path.insert(0, '.'); from transcripts.store import Store; "
            f"Store({str(path)!r}).close()")
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.PIPE)
             for _ in range(4)]
    errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    assert version(Database(path)) == [m.name for m in MIGRATIONS._migrations]
    assert len(rows(path, "messages")) == len([r for r in V1_DUMP.read_text(encoding="utf-8")
                                               .splitlines() if r.startswith('INSERT INTO "messages"')])
