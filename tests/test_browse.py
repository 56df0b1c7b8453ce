"""`bot.py review`: Datasette serving the database read-only, answering canned queries over
HTTP on 127.0.0.1, with raw tables, arbitrary SQL and the file's download closed."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

from transcripts.browse import CLOSED_TABLES, canned_queries, metadata
from transcripts.store import Chat, Store

ROOT = Path(__file__).resolve().parent.parent
STARTUP = 30  # seconds at most for Datasette to answer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.fixture
def database(tmp_path):
    """Today: Anna asks, is routed, rates 非常不满意 with a reason; Ben complains."""
    path = tmp_path / "hall.db"
    store = Store(path)
    now = datetime.now(timezone.utc)
    anna, ben = Chat("telegram", 1001, 1001), Chat("telegram", 1002, 1002)
    ex = store.open_exchange(anna, now)
    m = store.add_message(anna, ex, now, "in", "text", "狗证在哪办，电话13800138000")
    store.add_decision(m, "routed", None, "consult", [], 0.1)
    store.end_exchange(ex, now, "done")
    store.rate(ex, 1, "非常不满意", now)
    store.give_reason(ex, "没说清楚")
    m = store.add_message(anna, ex, now, "in", "text", "换身份证")
    store.add_decision(m, "answered", "id-card-renew", "hukou", [], 0.9)
    store.add_message(anna, ex, now, "in", "press", "item:id-card-renew")
    store.add_message(anna, ex, now, "in", "press", "item:o'brien-item")
    ex2 = store.open_exchange(ben, now)
    m2 = store.add_message(ben, ex2, now, "in", "text", "我要投诉")
    store.add_complaint(ex2, m2, now, "complaint", "我要投诉")
    store.close()
    return path


@pytest.fixture
def review(database):
    """`bot.py review` in a subprocess on a free port; its base URL once it answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    config = database.parent / "c.yaml"
    config.write_text(f"database: {database}\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(ROOT / "bot.py"), "--config", str(config),
                             "review", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP
        while True:
            try:
                if get(base + "/-/versions.json")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("bot.py review did not start:\n" + proc.stdout.read().decode())
            time.sleep(0.1)
        yield base + "/hall"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def test_review_starts_and_canned_queries_answer_over_http(review):
    status, body = get(review + "/low_ratings.json?_shape=array")
    assert status == 200
    [row] = json.loads(body)
    assert (row["rating"], row["rating_reason"]) == (1, "没说清楚")
    assert row["citizen"].startswith("c-")
    status, body = get(review + "/today.json?_shape=array")
    assert status == 200 and len(json.loads(body)) == 2
    status, body = get(review + "/unanswered.json?_shape=array")
    assert [(r["question"], r["window"], r["asked"]) for r in json.loads(body)] == [
        ("狗证在哪办，电话[MOBILE]", "1号窗口（综合咨询导引窗口）", 1)]
    status, body = get(review + "/complaints.json?_shape=array")
    assert [r["text"] for r in json.loads(body)] == ["我要投诉"]
    status, body = get(review + "/busiest_items.json?_shape=array")
    assert [(r["item"], r["direct"], r["chosen"]) for r in json.loads(body)] == [
        ("居民身份证换领", 1, 1), ("o'brien-item", 0, 1)]  # a title from the base, else the id


def test_review_is_locked_down(review):
    assert get(review + ".json?sql=select+user_id+from+exchanges")[0] == 403  # no arbitrary SQL
    assert get(review + "/exchanges.json")[0] == 403  # raw tables hold Telegram ids
    assert get(review + "/messages.json")[0] == 403
    assert get(review + ".db")[0] == 403  # no download of the file
    status, body = get(review + "/review_messages.json?_shape=array")
    assert status == 200 and b"1001" not in body and b"user_id" not in body


def test_the_metadata_closes_every_raw_table_and_names_five_queries(database):
    from zoneinfo import ZoneInfo

    meta = metadata("hall", ZoneInfo("Asia/Shanghai"))
    assert meta["allow_sql"] is False
    tables = meta["databases"]["hall"]["tables"]
    store = Store(database)
    for name in store.db.table_names():
        assert name.startswith("review_") or tables[name]["allow"] is False, name
    store.close()
    assert set(CLOSED_TABLES) <= set(tables)
    assert set(canned_queries(ZoneInfo("Asia/Shanghai"))) == {
        "today", "unanswered", "low_ratings", "complaints", "busiest_items"}


def test_review_on_a_missing_database_is_one_line(run_bot, tmp_path):
    result = run_bot("review", "--database", str(tmp_path / "none.db"))
    assert result.returncode == 1 and "no such database" in result.stderr


def test_review_help_ends_with_an_example(run_bot):
    assert "python bot.py review" in run_bot("review", "--help").stdout.rsplit("Example:", 1)[1]
