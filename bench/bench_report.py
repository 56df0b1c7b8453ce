"""The month's report on a busy database: `python bot.py report --month` end to end.

Generates (once, in bench/out/) a database of 100,000 messages for March 2025 with the
store's own schema (migrations, FTS triggers, indexes): about 10,000 conversations of
the bundled hall, questions answered, offered a choice or routed (with a few thousand
different wordings of the unanswered ones), ratings with reasons, complaints. Then runs
the command as a supervisor would, in a fresh process, and prints the wall time (the
goal: under 2 s, Python's start and the knowledge base's load included).

    .venv/bin/python bench/bench_report.py             # 100,000 messages
    .venv/bin/python bench/bench_report.py 20000       # another size
"""
from __future__ import annotations

import random
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.load import load_base  # noqa: E402
from transcripts.store import Store, stamp  # noqa: E402

GOAL = 2.0  # seconds
TOPICS = ["身份证", "户口", "社保卡", "医保", "公积金", "营业执照", "结婚登记", "不动产", "发票",
          "低保", "残疾证", "养老金", "出生证明", "居住证", "驾驶证", "护照", "狗证", "车位", "学区"]
ASKS = ["怎么办", "在哪办", "要带什么", "多少钱", "多久能好", "能代办吗", "周末办吗", "网上能办吗",
        "丢了怎么办", "过期了怎么换", "要本人去吗", "外地的能办吗"]


def generate(path: Path, messages: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    base = load_base(ROOT / "knowledge")
    items = list(base.items.values())
    windows = list(base.windows)
    store = Store(path)
    db = store.db
    start = datetime(2025, 3, 1, 1, 0, tzinfo=timezone.utc)
    exchanges, rows, complaints = [], [], []
    exchange_id = message_id = 0
    while message_id < messages:
        exchange_id += 1
        user = rnd.randrange(1, 4000)
        citizen = f"c-{user:08x}"
        t = start + timedelta(days=rnd.randrange(31), minutes=rnd.randrange(8 * 60))
        questions = 0

        def say(direction, kind, text, **decision):
            nonlocal message_id, t
            message_id += 1
            t += timedelta(seconds=rnd.randrange(5, 90))
            rows.append({"id": message_id, "exchange_id": exchange_id, "channel": "telegram",
                         "chat_id": user, "user_id": user, "citizen": citizen, "time": stamp(t),
                         "direction": direction, "kind": kind, "text": text, **decision})

        started = t
        for _ in range(rnd.choice((1, 1, 2, 2, 3, 4))):
            roll = rnd.random()
            if roll < 0.55:
                item = rnd.choice(items)
                say("in", "text", item.title + rnd.choice(ASKS), status="answered", item=item.id,
                    window=item.window, score=0.9)
                say("out", "text", "notice " + item.title * 10, said="notice")
            elif roll < 0.75:
                a, b = rnd.sample(items, 2)
                say("in", "text", rnd.choice(TOPICS), status="choose", window=a.window, score=0.5)
                say("out", "text", "choose", said="choose")
                say("in", "press", f"item:{a.id}")
                say("out", "text", "notice " + a.title * 10, said="notice")
            elif roll < 0.95:
                q = rnd.choice(TOPICS) + rnd.choice(ASKS) + rnd.choice(["", "？", "呀", "啊"]) \
                    + (str(rnd.randrange(300)) if rnd.random() < 0.5 else "")
                say("in", "text", q, status="routed", window=rnd.choice(windows), score=0.1)
                say("out", "text", "route", said="route")
            else:
                kind = rnd.choice(("complaint", "suggestion"))
                say("in", "text", kind + " " + rnd.choice(TOPICS))
                complaints.append({"time": stamp(t), "exchange_id": exchange_id,
                                   "message_id": message_id, "kind": kind, "text": rows[-1]["text"],
                                   "status": "new"})
                say("out", "text", kind, said=kind)
            questions += 1
        rating = rnd.choice((5, 5, 5, 4, 4, 3, 2, 1, None, None))
        exchanges.append({"id": exchange_id, "channel": "telegram", "chat_id": user,
                          "user_id": user, "citizen": citizen, "started": stamp(started),
                          "ended": stamp(t), "end_reason": "done", "questions": questions,
                          "rating": rating, "rating_label": str(rating) if rating else None,
                          "rated": stamp(t) if rating else None,
                          "reason": rnd.choice(TOPICS) if rating and rating <= 2 else None})
    with db.atomic():
        db["exchanges"].insert_all(exchanges, batch_size=2000)
        db["messages"].insert_all(rows, batch_size=2000)
        db["complaints"].insert_all(complaints, batch_size=2000)
    db.execute("analyze")
    store.close()


def main() -> int:
    messages = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"report-{messages}.db"
    if not path.exists():
        t0 = time.perf_counter()
        generate(path.with_suffix(".tmp"), messages)
        path.with_suffix(".tmp").rename(path)
        print(f"generated {path.name}: {messages:,} messages in {time.perf_counter() - t0:.1f} s")
    config = out / "bench-config.yaml"
    config.write_text(f"database: {path}\nknowledge: {ROOT / 'knowledge'}\n", encoding="utf-8")
    command = [sys.executable, str(ROOT / "bot.py"), "--config", str(config), "report",
               "--month", "2025-03"]
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, encoding="utf-8")
        elapsed = time.perf_counter() - t0
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return 1
        best = elapsed if best is None else min(best, elapsed)
    for extra in ([], ["--html", str(out / "report-2025-03.html")]):
        t0 = time.perf_counter()
        subprocess.run(command + extra, capture_output=True, check=True)
        last = time.perf_counter() - t0
    print(f"report --month on {messages:,} messages: {best:.2f} s best of 3 "
          f"(goal < {GOAL:.0f} s); with --html: {last:.2f} s")
    return 0 if best < GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
