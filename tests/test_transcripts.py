"""`bot.py transcripts ...` on a real database file the clerk wrote while playing citizens."""
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from handlers.clerk import Clerk
from knowledge.load import load_base
from knowledge.phrases import load_phrases
from transcripts.store import Chat, Store

from helpers import RENEW_NOTICE, Clock, ScriptedMatcher, make_hall

ANNA = Chat("telegram", 1001, 1001)
BEN = Chat("telegram", 1002, 1002)
SCRIPT = {"身份证过期了怎么换": ("answered", "id-card-renew"),
          "身份证": ("choose", ["id-card-renew", "id-card-lost"]),
          "发票怎么开": ("routed", "tax")}


def play(tmp_path: Path) -> tuple[Path, list[tuple[str, str]]]:
    """Two citizens' conversations; the database and what Anna and the clerk said, in order."""
    folder = make_hall(tmp_path / "kb")
    base = load_base(folder, use_cache=False)
    db = tmp_path / "chat.db"
    store, clock = Store(db), Clock()
    clerk = Clerk(base, ScriptedMatcher(base, SCRIPT), load_phrases(folder), store,
                  idle=timedelta(minutes=10), clock=clock)
    said: list[tuple[str, str]] = []

    def turn(who: Chat, words: str, shown: str, step):
        t = step()
        if who == ANNA:
            said.append(("citizen", shown))
            said.extend(("bot", r.plain()) for r in t.replies)
        clock.advance(seconds=30)
        return t

    turn(ANNA, "/start", "/start", lambda: clerk.start(ANNA))
    turn(ANNA, "身份证过期了怎么换", "身份证过期了怎么换", lambda: clerk.text(ANNA, "身份证过期了怎么换"))
    turn(BEN, "发票怎么开", "", lambda: clerk.text(BEN, "发票怎么开"))
    turn(ANNA, "身份证", "身份证", lambda: clerk.text(ANNA, "身份证"))
    turn(ANNA, "", "居民身份证挂失补领", lambda: clerk.press(ANNA, "item:id-card-lost"))
    turn(ANNA, "", "我的手机13800138000，帮我查进度", lambda: clerk.text(ANNA, "我的手机13800138000，帮我查进度"))
    turn(ANNA, "", "办完了", lambda: clerk.press(ANNA, "done:1"))
    turn(ANNA, "", "不满意", lambda: clerk.press(ANNA, "rate:1:2"))
    turn(ANNA, "", "等了很久", lambda: clerk.text(ANNA, "等了很久"))
    store.close()
    return db, said


@pytest.fixture
def played(tmp_path):
    return play(tmp_path)


def test_every_message_of_a_played_conversation_is_stored_and_exported(played, run_bot):
    db, said = played
    result = run_bot("transcripts", "export", "--database", str(db))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [c["id"] for c in lines] == [1, 2]
    anna = lines[0]
    assert set(anna) == {"id", "chat", "started", "ended", "rating", "rating_reason", "messages"}
    assert [(m["from"], m["text"]) for m in anna["messages"]] == [
        (who, text.replace("13800138000", "[MOBILE]")) for who, text in said]
    assert RENEW_NOTICE in anna["messages"][3]["text"]
    assert (anna["rating"], anna["rating_reason"]) == (2, "等了很久")
    assert anna["chat"].startswith("c-") and "1001" not in result.stdout
    assert all(m["at"].endswith("+00:00") for m in anna["messages"])
    # Every stored message of the two conversations is in the export.
    with sqlite3.connect(db) as con:
        stored = con.execute("select count(*) from messages where exchange_id is not null").fetchone()[0]
    assert stored == sum(len(c["messages"]) for c in lines)


def test_list_and_show(played, run_bot):
    db, _ = played
    listed = run_bot("transcripts", "list", "--day", "2025-03-03", "--database", str(db))
    assert listed.returncode == 0, listed.stderr
    rows = listed.stdout.splitlines()
    assert rows[-1] == "2 conversation(s)"
    assert rows[1].split()[:3] == ["1", "2025-03-03", "17:00:00"]  # on the hall's clock
    assert "2 不满意" in rows[1] and "done" in rows[1]
    shown = run_bot("transcripts", "show", "1", "--database", str(db))
    assert "17:00:30  citizen: 身份证过期了怎么换" in shown.stdout
    assert "citizen: 居民身份证挂失补领" in shown.stdout  # a press, by its label
    assert "rating: 2  reason: 等了很久" in shown.stdout
    assert run_bot("transcripts", "list", "--day", "2025-03-04", "--database", str(db)) \
        .stdout.splitlines()[-1] == "0 conversation(s)"


def test_search_is_full_text_over_chinese(played, run_bot):
    db, _ = played
    found = run_bot("transcripts", "search", "查进度", "--database", str(db)).stdout.splitlines()
    assert found[-1] == "1 message(s)" and "我的手机[MOBILE]，帮我查进度" in found[0]
    # Two characters: below the trigram's reach, found by a scan.
    found = run_bot("transcripts", "search", "发票", "--database", str(db)).stdout.splitlines()
    assert found[-1] == "1 message(s)" and "citizen: 发票怎么开" in found[0]


def test_search_uses_the_trigram_index(played):
    db, _ = played
    with sqlite3.connect(db) as con:
        plan = con.execute("explain query plan select rowid from messages_fts "
                           "where messages_fts match '\"查进度\"'").fetchall()
        tokenizer = con.execute("select sql from sqlite_master where name = 'messages_fts'").fetchone()[0]
    assert "VIRTUAL TABLE INDEX" in " ".join(r[-1] for r in plan)
    assert "trigram" in tokenizer


def test_sample_draws_whole_conversations_the_same_for_a_seed(played, run_bot):
    db, _ = played
    one = run_bot("transcripts", "sample", "1", "--month", "2025-03", "--seed", "3", "--database", str(db))
    assert one.returncode == 0, one.stderr
    assert one.stdout.count("== conversation") == 1
    assert one.stdout.splitlines()[-1] == "1 conversation(s) drawn from 2025-03"
    again = run_bot("transcripts", "sample", "1", "--month", "2025-03", "--seed", "3", "--database", str(db))
    assert again.stdout == one.stdout
    more = run_bot("transcripts", "sample", "9", "--month", "2025-03", "--database", str(db))
    assert more.stdout.count("== conversation") == 2


def test_a_missing_database_or_conversation_is_one_line(tmp_path, played, run_bot):
    db, _ = played
    result = run_bot("transcripts", "list", "--database", str(tmp_path / "none.db"))
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "no such database" in result.stderr
    result = run_bot("transcripts", "show", "99", "--database", str(db))
    assert (result.returncode, result.stderr.strip()) == (1, "bot.py: no conversation 99")
    result = run_bot("transcripts", "list", "--month", "March", "--database", str(db))
    assert result.returncode == 2 and "YYYY-MM" in result.stderr


def test_the_database_comes_from_the_config(played, run_bot, tmp_path):
    db, _ = played
    config = tmp_path / "c.yaml"
    config.write_text(f"database: {db}\n", encoding="utf-8")
    assert run_bot("transcripts", "list", config=config).stdout.splitlines()[-1] == "2 conversation(s)"


@pytest.mark.parametrize("action", ["list", "show", "search", "sample", "export"])
def test_every_transcripts_action_help_ends_with_an_example(run_bot, action):
    result = run_bot("transcripts", action, "--help")
    assert result.returncode == 0
    assert "python bot.py transcripts " + action in result.stdout.rsplit("Example:", 1)[1]


def test_every_supervisor_command_and_setting_is_documented():
    from bot import build_parser

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name in commands:
        assert f"python bot.py {name}" in readme or name == "run", name
    actions = commands["transcripts"]._subparsers._group_actions[0].choices
    for action in actions:
        assert f"python bot.py transcripts {action}" in readme, action
    for words in ("report --day", "report --month", "--html", "/report", "closing_time",
                  "supervisors", "timezone"):
        assert words in readme, words
