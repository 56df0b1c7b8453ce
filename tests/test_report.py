"""Reports: figures against a hand-counted fixture on a real database file; Markdown and HTML."""
import re
from xml.etree import ElementTree
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from knowledge.load import load_base
from knowledge.phrases import load_phrases
from transcripts import period
from transcripts.report import build, group_questions, html, markdown, names_from
from transcripts.store import Chat, Store

from helpers import make_hall

ROOT = Path(__file__).resolve().parent.parent
ZONE = ZoneInfo("Asia/Shanghai")
Z = timezone.utc


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=Z)


class Fixture:
    """Conversations written with the store's own calls, at known times (UTC)."""

    def __init__(self, path: Path):
        self.store = Store(path)

    def exchange(self, user: int, at: datetime, questions=(), rating=None, reason=None,
                 complaints=()):
        chat = Chat("telegram", user, user)
        s = self.store
        ex = s.open_exchange(chat, at)
        s.add_message(chat, ex, at, "in", "command", "/start")
        for q in questions:
            text, status, item, window = q[:4]
            m = s.add_message(chat, ex, at, "in", "text", text)
            s.add_decision(m, status, item, window, [], 0.5)
            s.count_question(ex)
            if len(q) > 4:  # a choice, then the press that picked an item
                s.add_message(chat, ex, at, "in", "press", f"item:{q[4]}")
        for kind, text in complaints:
            m = s.add_message(chat, ex, at, "in", "text", text)
            s.add_complaint(ex, m, at, kind, text)
        s.end_exchange(ex, at, "done")
        if rating:
            s.rate(ex, rating, str(rating), at)
        if reason:
            s.give_reason(ex, reason)
        return ex


@pytest.fixture
def db(tmp_path):
    """Hand-counted, for 2025-03-03 on the hall's clock (UTC+8):

    - Anna (09:00): 换身份证 answered (id-card-renew, hukou); 身份证 choose (hukou) and she
      picks id-card-lost; 发票怎么开 routed to tax. 不满意, 等太久.
    - Ben (10:00): 身份证过期 answered (id-card-renew); 怎么开发票 routed to tax; 狗证在哪办
      routed to consult; a complaint. 非常满意.
    - Cara (23:30 on the 2nd UTC = 07:30 on the 3rd): 发票怎么开？ routed to tax; a
      suggestion. 非常不满意, no reason.
    - Dan (11:00): only /start.
    - Eve (16:30 UTC on the 3rd = 00:30 on the 4th): 开发票 answered (invoice). 满意.
      Not in the day, in the month.
    """
    f = Fixture(tmp_path / "chat.db")
    f.exchange(1, utc(3, 1), [("换身份证", "answered", "id-card-renew", "hukou"),
                              ("身份证", "choose", None, "hukou", "id-card-lost"),
                              ("发票怎么开", "routed", None, "tax")], rating=2, reason="等太久")
    f.exchange(2, utc(3, 2), [("身份证过期", "answered", "id-card-renew", "hukou"),
                              ("怎么开发票", "routed", None, "tax"),
                              ("狗证在哪办", "routed", None, "consult")], rating=5,
               complaints=[("complaint", "窗口没人，电话13800138000")])
    f.exchange(3, utc(2, 23, 30), [("发票怎么开？", "routed", None, "tax")], rating=1,
               complaints=[("suggestion", "多开几个窗口")])
    f.exchange(4, utc(3, 3))
    f.exchange(5, utc(3, 16, 30), [("开发票", "answered", "invoice", "tax")], rating=4)
    yield f.store.db
    f.store.close()


@pytest.fixture
def names(tmp_path):
    folder = make_hall(tmp_path / "kb")
    return names_from(load_base(folder, use_cache=False), load_phrases(folder))


def test_the_days_figures_match_the_hand_count(db, names):
    r = build(db, period.day("2025-03-03", ZONE), **names)
    assert (r.conversations, r.enquiring, r.questions) == (4, 3, 7)
    assert (r.answered, r.choice, r.picked, r.routed) == (2, 1, 1, 4)
    assert r.share(r.answered) == "28.6%"
    assert r.items == [("居民身份证换领", 2, 0), ("居民身份证挂失补领", 0, 1)]
    assert r.windows == [("3-4号窗口（户政窗口）", 3), ("9号窗口（税务窗口）", 3),
                         ("1号窗口（综合咨询窗口）", 1)]
    assert [(g.count, g.text, g.examples, g.window) for g in r.unanswered] == [
        (2, "发票怎么开", ["发票怎么开？"], "9号窗口（税务窗口）"),
        (1, "怎么开发票", [], "9号窗口（税务窗口）"),
        (1, "狗证在哪办", [], "1号窗口（综合咨询窗口）")]
    assert r.ratings == [(5, "非常满意", 1), (4, "满意", 0), (3, "基本满意", 0),
                         (2, "不满意", 1), (1, "非常不满意", 1)]
    assert (r.rated, round(r.satisfaction, 4)) == (3, 0.3333)
    assert [(x["id"], x["label"], x["reason"], x["at"]) for x in r.low] == [
        (1, "不满意", "等太久", "2025-03-03 09:00"), (3, "非常不满意", None, "2025-03-03 07:30")]
    assert [(c["kind"], c["text"]) for c in r.complaints] == [
        ("suggestion", "多开几个窗口"), ("complaint", "窗口没人，电话[MOBILE]")]
    assert (r.complaint_count, r.suggestion_count) == (1, 1)
    assert r.per_day == [(datetime(2025, 3, 3).date(), 7)]


def test_the_months_figures_add_the_next_day(db, names):
    r = build(db, period.month("2025-03", ZONE), **names)
    assert (r.conversations, r.questions, r.answered) == (5, 8, 3)
    assert ("代开发票（金额<10万元）", 1, 0) in r.items
    assert (r.rated, r.satisfaction) == (4, 0.5)
    assert len(r.per_day) == 31 and dict(r.per_day)[datetime(2025, 3, 4).date()] == 1


def test_an_empty_period_reports_zeros(db, names):
    r = build(db, period.day("2025-04-01", ZONE), **names)
    assert (r.conversations, r.questions, r.rated, r.satisfaction) == (0, 0, 0, None)
    text = markdown(r)
    assert "满意率 -" in text and "（无）" in text


def test_markdown_says_every_figure(db, names):
    text = markdown(build(db, period.day("2025-03-03", ZONE), **names))
    assert text.startswith("# 测试镇政务服务中心日报（2025-03-03）\n")
    for line in ["- 咨询问题：7 个", "- 直接解答：2 个（28.6%）", "- 引导到窗口：4 个（57.1%）",
                 "- 居民身份证换领：2（2 + 0）", "- 9号窗口（税务窗口）：3",
                 "1. 发票怎么开 —— 2 次，已引导到9号窗口（税务窗口）；相近问法：发票怎么开？",
                 "- 参评 3 人次，满意率 33.3%（基本满意及以上）", "- 非常不满意：1"]:
        assert line in text.splitlines(), line
    assert "等太久" in text and "未说明原因" in text and "多开几个窗口" in text


def test_html_has_its_charts_inline_and_needs_no_network(db, names):
    page = html(build(db, period.month("2025-03", ZONE), **names))
    assert page.count("<svg") == 4  # outcome, ratings, windows, per day
    assert not re.search(r"""(src|href)=["']?https?:""", page)
    assert "<script src" not in page and "@import" not in page
    assert "代开发票（金额&lt;10万元）" in page  # escaped
    for svg in re.findall(r"<svg.*?</svg>", page, re.S):
        ElementTree.fromstring(svg)  # each chart is well-formed SVG


def test_grouping_puts_rewordings_together_and_keeps_apart_what_differs():
    groups = group_questions({"户口怎么迁到外地": 3, "户口迁到外地怎么办": 2, "结婚证怎么办": 2,
                              "离婚证怎么办": 1, "养老保险怎么交": 1, "医疗保险怎么交": 1})
    assert [(g.count, g.text) for g in groups] == [
        (5, "户口怎么迁到外地"), (2, "结婚证怎么办"), (1, "养老保险怎么交"), (1, "医疗保险怎么交"),
        (1, "离婚证怎么办")]


def test_bot_py_report_prints_markdown_and_writes_html(db, names, tmp_path, run_bot):
    path = Path(db.conn.execute("pragma database_list").fetchone()[2])
    kb = tmp_path / "kb"
    out = tmp_path / "day.html"
    result = run_bot("report", "--day", "2025-03-03", "--database", str(path),
                     "--knowledge", str(kb), "--html", str(out))
    assert result.returncode == 0, result.stderr
    assert "- 咨询问题：7 个" in result.stdout
    assert out.read_text(encoding="utf-8").count("<svg") == 3  # a day has no per-day chart
    assert run_bot("report", "--month", "March", "--database", str(path)).returncode == 2


@pytest.mark.parametrize("command", ["report"])
def test_report_help_ends_with_an_example(run_bot, command):
    result = run_bot(command, "--help")
    assert "python bot.py report" in result.stdout.rsplit("Example:", 1)[1]


def test_report_without_a_period_is_todays_and_a_span_is_named(db, names, run_bot):
    path = Path(db.conn.execute("pragma database_list").fetchone()[2])
    today = datetime.now(ZONE).date().isoformat()
    result = run_bot("report", "--database", str(path), "--knowledge", str(ROOT / "knowledge"))
    assert result.returncode == 0, result.stderr
    assert f"日报（{today}）" in result.stdout.splitlines()[0]
    result = run_bot("report", "--since", "2025-03-01", "--until", "2025-03-03",
                     "--database", str(path), "--knowledge", str(ROOT / "knowledge"))
    assert "报表（2025-03-01..2025-03-03）" in result.stdout.splitlines()[0]
    assert "- 咨询问题：7 个" in result.stdout.splitlines()
