"""The whole stack end to end: the real PTB Application, long polling a Bot API stand-in
on 127.0.0.1 or sent its updates by the stand-in through a webhook, played by citizens.
We assert what they see (text and buttons) and what is stored. Nothing sleeps: each step
waits for the stand-in to receive the bot's call.
"""
import asyncio
import logging
import socket
import sqlite3
import sys
from datetime import datetime, timedelta, timezone
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from telegram.error import Conflict

from config import Config, Webhook
from handlers.telegram import ALLOWED_UPDATES, build_application, render, webhook_options
from handlers.reply import Button, Reply, Span
from knowledge.load import load_base
from knowledge.phrases import load_phrases
from transcripts.store import Store

from botapi_standin import BotAPIStandin, Sent, utf16_len
from helpers import GUIDE, RENEW_NOTICE, ROUTE_TAX, ScriptedMatcher, make_hall

GREETING = "您好！欢迎来到测试镇政务服务中心。请问您要办理什么业务？"
HELLO = "您好！欢迎来到测试镇政务服务中心。"
MENU = [["常办事项", "全部窗口", "办公时间"]]
AFTER = [["还有问题", "办完了"]]
RATING = [["非常满意"], ["满意"], ["基本满意"], ["不满意"], ["非常不满意"]]
NOT_TEXT = "抱歉，我只能看懂文字消息。请用文字告诉我您要办理什么业务。"
SORRY = "抱歉，系统刚才出了点问题，请您稍后再试一次。急事请拨打咨询电话0000-1111111。"
SCRIPT = {
    "身份证过期了怎么换": ("answered", "id-card-renew"),
    "代开发票": ("answered", "invoice"),
    "身份证": ("choose", ["id-card-renew", "id-card-lost"]),
    "交税": ("routed", "tax"),
    "交钱开票": ("routed", "tax", ["invoice"]),
}
SECRET = "webhook_Secret-42"


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (the OS's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def local_webhook(secret_token: str | None = SECRET) -> Webhook:
    """Webhook mode on 127.0.0.1, no proxy: the stand-in posts to the bot over plain HTTP."""
    port = free_port()
    return Webhook(url=f"http://127.0.0.1:{port}/chuangkou/telegram", listen="127.0.0.1",
                   port=port, path="/chuangkou/telegram", secret_token=secret_token)


MODES = ["polling", "webhook"]


def webhook_in(mode: str) -> Webhook | None:
    return local_webhook() if mode == "webhook" else None


class Hall:
    """The test hall's knowledge, a database file, and a way to build the bot on them."""

    def __init__(self, folder: Path, db: Path, standin: BotAPIStandin):
        self.folder, self.db, self.standin = folder, db, standin
        self.base = load_base(folder, use_cache=False)
        self.phrases = load_phrases(folder)
        self.matcher = ScriptedMatcher(self.base, SCRIPT)

    def app(self, idle_minutes: float = 10, webhook: Webhook | None = None, **kwargs):
        config = Config(token=self.standin.token, base_url=self.standin.base_url,
                        base_file_url=self.standin.base_url, knowledge=self.folder,
                        database=self.db, idle_minutes=idle_minutes, webhook=webhook)
        return build_application(config, self.base, self.matcher, self.phrases, **kwargs)

    def rows(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.db) as db:
            return db.execute(sql).fetchall()


@asynccontextmanager
async def running(app):
    """What run_polling, or run_webhook when the config has a webhook, does, without their
    signal handlers and their own event loop."""
    hook = app.bot_data["config"].webhook
    async with app:
        await app.post_init(app)
        await app.start()
        if hook:
            await app.updater.start_webhook(**webhook_options(hook))
        else:
            await app.updater.start_polling(poll_interval=0, timeout=2,
                                            allowed_updates=ALLOWED_UPDATES)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
            await app.post_shutdown(app)


class Citizen:
    """One person in a private chat (or a group): types, presses, and sees."""

    def __init__(self, standin: BotAPIStandin, chat_id: int, user_id: int | None = None):
        self.standin, self.chat_id, self.user_id = standin, chat_id, user_id or chat_id
        self.last: Sent | None = None  # the last message with buttons

    async def sees(self) -> Sent:
        sent = await self.standin.next_sent(self.chat_id)
        if sent.buttons:
            self.last = sent
        return sent

    def types(self, text: str, **kwargs) -> None:
        self.standin.send_text(self.chat_id, text, self.user_id, **kwargs)

    async def says(self, text: str, **kwargs) -> Sent:
        self.types(text, **kwargs)
        return await self.sees()

    def taps(self, label: str, on: Sent | None = None) -> str:
        return self.standin.press(on or self.last, label, self.user_id)

    async def presses(self, label: str, on: Sent | None = None) -> Sent:
        query = self.taps(label, on)
        assert (await self.standin.answer(query)).get("text") is None  # no toast: a message
        return await self.sees()

    async def presses_for_a_toast(self, label: str, on: Sent | None = None) -> str:
        return (await self.standin.answer(self.taps(label, on)))["text"]


@pytest.fixture
async def standin():
    async with BotAPIStandin() as s:
        yield s


@pytest.fixture
def hall(tmp_path, standin):
    return Hall(make_hall(tmp_path / "kb"), tmp_path / "chat.db", standin)


@pytest.fixture(params=MODES)
async def bot(hall, standin, request):
    """The bot, in each mode: the conversation is the same whichever way updates come."""
    hook = webhook_in(request.param)
    async with running(hall.app(webhook=hook)) as app:
        yield app
    if hook:  # every update came through the webhook, and each was taken at once
        assert standin.webhook["url"] == hook.url
        assert "getUpdates" not in [method for method, _ in standin.requests]
        assert standin.webhook_errors == []


@pytest.fixture
def anna(standin):
    return Citizen(standin, 1001)


# -- greeting and the notice ------------------------------------------------------------


async def test_start_greets_with_the_menu_and_the_command_list(bot, anna, standin):
    sent = await anna.says("/start")
    assert (sent.text, sent.buttons) == (GREETING, MENU)
    assert standin.commands == [
        {"command": "start", "description": "开始咨询"}, {"command": "help", "description": "使用说明"},
        {"command": "windows", "description": "全部窗口"}, {"command": "hours", "description": "办公时间和电话"},
        {"command": "cancel", "description": "取消当前操作"}]
    sent = await anna.presses("全部窗口")
    assert sent.text == "本中心共设3个窗口：\n1号窗口（综合咨询窗口，一楼大厅）\n3-4号窗口（户政窗口，一楼东侧）\n9号窗口（税务窗口）"


async def test_a_question_is_answered_with_every_material_in_one_html_message(bot, anna, hall):
    sent = await anna.says("身份证过期了怎么换")
    assert sent.text == HELLO + "\n" + RENEW_NOTICE
    assert sent.buttons == AFTER
    assert "<b>居民身份证换领</b>\n<b>办理窗口：</b>3-4号窗口（户政窗口，一楼东侧）" in sent.html
    assert "2. 监护人居民身份证<i>（未满16周岁的）</i>：原件" in sent.html
    assert hall.rows("select direction, kind, text, status, item, window, score from messages") == [
        ("in", "text", "身份证过期了怎么换", "answered", "id-card-renew", "hukou", 0.9),
        ("out", "text", HELLO + "\n" + RENEW_NOTICE, None, None, None, None)]


async def test_every_text_is_escaped(bot, anna):
    # The stand-in refuses HTML that Telegram would refuse: an unescaped < or & fails here.
    sent = await anna.says("代开发票")
    assert sent.text.splitlines()[1:5] == [
        "代开发票（金额<10万元）", "办理窗口：9号窗口（税务窗口）", "所需材料（请一次带齐）：", "1. 合同：A&B公司盖章 <原件>"]
    assert "<b>代开发票（金额&lt;10万元）</b>" in sent.html and "A&amp;B公司盖章 &lt;原件&gt;" in sent.html


# -- which one? -----------------------------------------------------------------------------


async def test_a_choice_by_button_and_a_repeated_press(bot, anna):
    choice = await anna.says("身份证")
    assert (choice.text, choice.buttons) == (HELLO + "\n您要办理的是下面哪一项？请点选：",
                                             [["居民身份证换领"], ["居民身份证挂失补领"]])
    assert choice.data == {"居民身份证换领": "item:id-card-renew", "居民身份证挂失补领": "item:id-card-lost"}
    sent = await anna.presses("居民身份证换领", on=choice)
    assert (sent.text, sent.buttons) == (RENEW_NOTICE, AFTER)
    assert await anna.presses_for_a_toast("居民身份证换领", on=choice) == "上面已经为您列出来了，请查看。"
    sent = await anna.presses("居民身份证挂失补领", on=choice)  # the other one is still welcome
    assert sent.text.startswith("居民身份证挂失补领\n")


async def test_a_stale_button_gets_a_polite_word(bot, anna, standin):
    stale = Sent(anna.chat_id, 77, "旧消息", None, [["旧事项"]], {"旧事项": "item:no-longer-there"},
                 None, {"message_id": 77, "date": 0, "chat": {"id": anna.chat_id, "type": "private"}})
    assert (await anna.presses("旧事项", on=stale)).text == "这个按钮已经失效了。请问您要办理什么业务？"


# -- routing, complaints ----------------------------------------------------------------


async def test_a_routed_question_names_the_window_and_waits_for_its_staff(bot, anna, hall):
    await anna.says("/start")
    sent = await anna.says("交税")
    assert (sent.text, sent.buttons) == (ROUTE_TAX, AFTER)
    assert hall.rows("select window, question, status from pending") == [("tax", "交税", "pending")]


async def test_a_routed_question_offers_the_windows_item_it_may_mean(bot, anna, hall):
    await anna.says("/start")
    sent = await anna.says("交钱开票")
    assert sent.text == ROUTE_TAX + "\n如果您要办理的是下面的事项，请点选，我把完整的办事告知发给您："
    assert sent.buttons == [["代开发票（金额<10万元）"], *AFTER]
    notice = await anna.presses("代开发票（金额<10万元）", on=sent)
    assert notice.text.startswith("代开发票（金额<10万元）\n办理窗口：9号窗口（税务窗口）")
    assert hall.rows("select window, question from pending") == [("tax", "交钱开票")]


async def test_a_complaint_is_thanked_and_registered(bot, anna, hall):
    await anna.says("/start")
    sent = await anna.says("我要投诉，等了两个小时没人理")
    assert sent.text == ("谢谢您，欢迎您监督和帮助！您反映的情况我们已经记录，会尽快核实处理。\n"
                         "投诉电话：0000-2222222")
    assert hall.rows("select kind, text, status from complaints") == [
        ("complaint", "我要投诉，等了两个小时没人理", "new")]


# -- the end and the rating ---------------------------------------------------------------


async def test_the_end_with_a_rating_and_its_reason(bot, anna, hall):
    await anna.says("身份证过期了怎么换")
    prompt = await anna.presses("办完了")
    assert (prompt.text, prompt.buttons) == ("请对我的工作作出评价：", RATING)
    assert prompt.data["非常满意"] == "rate:1:5" and prompt.data["非常不满意"] == "rate:1:1"
    sent = await anna.presses("不满意", on=prompt)
    assert (sent.text, sent.buttons) == ("非常抱歉没能让您满意。请告诉我们不满意的原因，我们一定认真改进。", [])
    sent = await anna.says("材料清单和窗口说的不一样")
    assert sent.text == "谢谢您的宝贵意见，我们一定认真改进。\n请慢走，欢迎您再来！"
    assert await anna.presses_for_a_toast("满意", on=prompt) == "您已经评价过了，谢谢！"
    assert hall.rows("select end_reason, rating, rating_label, reason from exchanges") == [
        ("done", 2, "不满意", "材料清单和窗口说的不一样")]
    assert hall.rows("select kind, text from messages where direction = 'in'") == [
        ("text", "身份证过期了怎么换"), ("press", "done:1"), ("press", "rate:1:2"),
        ("reason", "材料清单和窗口说的不一样"), ("press", "rate:1:4")]


async def test_thanks_ends_the_exchange(bot, anna):
    await anna.says("交税")
    sent = await anna.says("好的，谢谢")
    assert (sent.text, sent.buttons) == ("请对我的工作作出评价：", RATING)
    assert (await anna.presses("非常满意")).text == "感谢您的评价！\n请慢走，欢迎您再来！"


# -- everything else --------------------------------------------------------------------


@pytest.mark.parametrize("content", [
    {"sticker": {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512,
                 "height": 512, "is_animated": False, "is_video": False, "emoji": "👍"}},
    {"photo": [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]},
    {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}},
    {"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "户口本.pdf"}},
    {"location": {"latitude": 30.1, "longitude": 120.2}},
    {"contact": {"phone_number": "+8613800000000", "first_name": "张三"}},
], ids=lambda c: next(iter(c)))
async def test_a_sticker_or_any_other_media_gets_a_polite_word(bot, anna, hall, standin, content):
    standin.send(anna.chat_id, **content)
    assert (await anna.sees()).text == HELLO + "\n" + NOT_TEXT
    kind = next(iter(content))
    assert hall.rows("select kind, text from messages where direction = 'in'") == [(kind, f"[{kind}]")]


async def test_edited_very_long_emoji_only_and_unknown_commands(bot, anna):
    await anna.says("/start")
    anna.types("身份证过期了怎么换", edited=True)
    assert (await anna.sees()).text == "您修改了刚才的消息。如需继续咨询，请直接发送一条新消息。"
    assert (await anna.says("办" * 4000)).text == "您的消息太长了，请用一两句话告诉我您要办理什么业务。"
    assert (await anna.says("😀😀😀")).text == "请用文字告诉我您要办理什么业务，我来为您解答。"
    assert (await anna.says("/foo")).text == "抱歉，没有这个命令。发送 /help 可以查看使用说明。"
    assert (await anna.says("/hours")).text == (
        "办公时间：周一至周五 9:00-17:00\n咨询电话：0000-1111111\n地址：人民路1号")


async def test_in_a_group_the_clerk_answers_only_when_addressed(bot, standin):
    group = -500
    anna, ben = Citizen(standin, group, 1001), Citizen(standin, group, 1002)
    anna.types("身份证过期了怎么换")  # talk among neighbours: not for the bot
    standin.send(group, 1001, sticker={"file_id": "s", "file_unique_id": "u", "type": "regular",
                                       "width": 1, "height": 1, "is_animated": False, "is_video": False})
    anna.types("/start@some_other_bot")
    sent = await ben.says("@chuangkou_test_bot 交税")
    assert sent.text == HELLO + "\n" + ROUTE_TAX  # the first thing it answered
    assert sent.reply_to is not None
    sent = await anna.says("/start@chuangkou_test_bot")
    assert (sent.text, sent.buttons) == (GREETING, MENU)
    sent = await anna.says("身份证", reply_to=sent)  # a reply to the bot is addressed to it
    assert sent.buttons == [["居民身份证换领"], ["居民身份证挂失补领"]]
    # Ben's exchange and Anna's are apart, though in one chat.
    prompt = await ben.presses("办完了")
    assert prompt.text == "请对我的工作作出评价："
    assert (await ben.presses("满意", on=prompt)).text == "感谢您的评价！\n请慢走，欢迎您再来！"


async def test_two_citizens_interleaved(bot, standin, hall):
    anna, ben = Citizen(standin, 1001), Citizen(standin, 1002)
    anna.types("身份证")
    ben.types("交税")
    choice, route = await anna.sees(), await ben.sees()
    assert choice.buttons == [["居民身份证换领"], ["居民身份证挂失补领"]]
    assert route.text == HELLO + "\n" + ROUTE_TAX
    anna.taps("居民身份证挂失补领")
    ben.taps("办完了")
    notice, prompt = await anna.sees(), await ben.sees()
    assert notice.text.startswith("居民身份证挂失补领\n") and prompt.buttons == RATING
    ben.taps("非常满意", on=prompt)
    anna.types("谢谢")
    assert (await ben.sees()).text == "感谢您的评价！\n请慢走，欢迎您再来！"
    assert (await anna.sees()).buttons == RATING
    assert hall.rows("select chat_id, end_reason, rating from exchanges order by id") == [
        (1001, "goodbye", None), (1002, "done", 5)]


async def test_a_burst_is_answered_in_order_even_through_flood_control(bot, anna, standin):
    standin.fail["sendMessage"].append((429, {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1}}))
    for question in ("身份证", "交税", "代开发票", "/hours", "谢谢"):
        anna.types(question)
    seen = [await anna.sees() for _ in range(5)]
    assert [s.text.splitlines()[0] for s in seen] == [
        HELLO, "对不起，这个问题请到9号窗口（税务窗口）咨询。", "代开发票（金额<10万元）",
        "办公时间：周一至周五 9:00-17:00", "请对我的工作作出评价："]


async def test_a_failure_gets_a_polite_sentence_and_a_logged_traceback(bot, anna, hall, caplog):
    def broken(question):
        raise RuntimeError("the matcher is down")

    hall.matcher.match = broken
    with caplog.at_level(logging.ERROR, logger="handlers.telegram"):
        sent = await anna.says("交税")
    assert sent.text == HELLO + "\n" + SORRY
    assert "the matcher is down" in caplog.text and "Traceback" in caplog.text
    hall.matcher.match = ScriptedMatcher(hall.base, SCRIPT).match
    assert (await anna.says("交税")).text == ROUTE_TAX
    # The failed step wrote nothing (no decision, nothing pending); the transcript has
    # her message and the apology she read, then the retry.
    assert hall.rows("select exchange_id, direction, text, said, status from messages") == [
        (1, "in", "交税", None, None), (1, "out", HELLO + "\n" + SORRY, "error", None),
        (1, "in", "交税", None, "routed"), (1, "out", ROUTE_TAX, "route", None)]
    assert hall.rows("select message_id from pending") == [(3,)]
    assert hall.rows("select questions from exchanges") == [(1,)]


async def test_a_failed_press_is_recorded_with_its_apology(bot, anna, hall, monkeypatch):
    await anna.says("交税")
    prompt = await anna.presses("办完了")

    def disk_full(*args):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "rate", disk_full)
    assert (await anna.presses("满意", on=prompt)).text == SORRY
    monkeypatch.undo()
    assert (await anna.presses("满意", on=prompt)).text == "感谢您的评价！\n请慢走，欢迎您再来！"
    assert hall.rows("select exchange_id, kind, text, said from messages where id > 4") == [
        (None, "press", "rate:1:4", None), (None, "text", SORRY, "error"),
        (1, "press", "rate:1:4", None), (1, "text", "感谢您的评价！\n请慢走，欢迎您再来！", "rate_thanks")]
    assert hall.rows("select id, rating from exchanges") == [(1, 4)]


async def test_a_notice_past_4096_characters_is_split_cleanly(tmp_path, standin):
    materials = "".join(f"    - name: 材料{i:03d}\n      detail: {'复印件一份，' * 20}<A&B>\n"
                        for i in range(40))
    guide = GUIDE + f"- id: long\n  title: 很长的事项\n  window: tax\n  materials:\n{materials}"
    folder = make_hall(tmp_path / "kb")
    (folder / "guides" / "hukou.yaml").write_text(guide, encoding="utf-8")
    hall = Hall(folder, tmp_path / "chat.db", standin)
    hall.matcher.script["很长"] = ("answered", "long")
    anna = Citizen(standin, 1001)
    async with running(hall.app()):
        parts = [await anna.says("很长")]
        while not parts[-1].buttons:
            parts.append(await anna.sees())
    assert len(parts) == 2
    assert all(utf16_len(p.text) <= 4096 for p in parts)
    assert [p.buttons for p in parts] == [[], AFTER]
    whole = hall.rows("select text from messages where direction = 'out'")[0][0]
    assert "\n".join(p.text for p in parts) == whole  # split between lines, nothing lost


def test_render_cuts_an_overlong_line_between_characters():
    line = (Span("标题", "b"), Span("字" * 5000 + "😀" + "<&>" * 10))
    parts = render(Reply((line,), ((Button("done:1", "办完了"),),)))
    assert [len(p[0]) for p in parts][:1] == [4096 + len("<b></b>")]
    assert [markup is None for _, markup in parts] == [True, False]
    assert "".join(p for p, _ in parts).count("&lt;&amp;&gt;") == 10


# -- a restart, and the idle timer ---------------------------------------------------------


async def test_a_restart_in_the_middle_of_a_conversation_loses_nothing(hall, anna):
    async with running(hall.app()):
        choice = await anna.says("身份证")
    async with running(hall.app()):  # a new Application on the same database
        notice = await anna.presses("居民身份证挂失补领", on=choice)
        assert notice.text.startswith("居民身份证挂失补领\n")
        prompt = await anna.presses("办完了", on=notice)
    async with running(hall.app()):
        sent = await anna.presses("非常不满意", on=prompt)
        assert sent.text == "非常抱歉没能让您满意。请告诉我们不满意的原因，我们一定认真改进。"
    async with running(hall.app()):
        sent = await anna.says("没说清楚要不要复印件")
        assert sent.text == "谢谢您的宝贵意见，我们一定认真改进。\n请慢走，欢迎您再来！"
        assert await anna.presses_for_a_toast("满意", on=prompt) == "您已经评价过了，谢谢！"
    assert hall.rows("select end_reason, questions, rating, rating_label, reason from exchanges") == [
        ("done", 2, 1, "非常不满意", "没说清楚要不要复印件")]
    assert hall.rows("select step, exchange_id, reason_for, idle_due from conversations") == [
        ("idle", None, None, None)]


@pytest.mark.parametrize("mode", MODES)
async def test_the_idle_time_ends_the_exchange_and_asks_for_a_rating_once(hall, anna, mode):
    async with running(hall.app(idle_minutes=0.002, webhook=webhook_in(mode))):  # 0.12 s
        await anna.says("交税")
        sent = await anna.sees()  # nobody said anything: the JobQueue's job fired
        assert (sent.text, sent.buttons) == ("您好，本次咨询先到这里。\n请对我的工作作出评价：", RATING)
        assert (await anna.presses("基本满意", on=sent)).text == "感谢您的评价！\n请慢走，欢迎您再来！"
        # Asked once, not nagged: the next thing she sees answers her next message.
        assert (await anna.says("/hours")).text.startswith(HELLO + "\n办公时间：")
    assert hall.rows("select end_reason, rating from exchanges order by id")[0] == ("idle", 3)
    assert hall.rows("select count(*) from messages where said = 'rate'") == [(1,)]


async def test_the_idle_timer_survives_a_restart(hall, anna):
    async with running(hall.app()) as app:
        await anna.says("交税")
        [job] = app.job_queue.get_jobs_by_name("idle:1001:1001")
        assert 599 < (job.next_t - datetime.now(timezone.utc)).total_seconds() <= 600
    # Back eleven minutes later: the timer, read from the database, is already due.
    later = lambda: datetime.now(timezone.utc) + timedelta(minutes=11)  # noqa: E731
    async with running(hall.app(clock=later)) as app:
        sent = await anna.sees()
        assert (sent.text, sent.buttons) == ("您好，本次咨询先到这里。\n请对我的工作作出评价：", RATING)
    async with running(hall.app(clock=later)) as app:
        assert app.job_queue.get_jobs_by_name("idle:1001:1001") == ()
    assert hall.rows("select end_reason from exchanges") == [("idle",)]


# -- webhook mode ---------------------------------------------------------------------------


async def test_in_webhook_mode_telegram_posts_each_update_and_all_is_stored(hall, anna, standin):
    hook = local_webhook()
    async with running(hall.app(webhook=hook)) as app:
        # PTB registered the webhook at start: the public URL, the secret, what to send.
        assert standin.webhook == {"url": hook.url, "secret_token": SECRET,
                                   "allowed_updates": ALLOWED_UPDATES, "max_connections": 40}
        info = await app.bot.get_webhook_info()
        assert (info.url, info.pending_update_count, info.allowed_updates) == (
            hook.url, 0, tuple(ALLOWED_UPDATES))
        with pytest.raises(Conflict):  # as Telegram: no polling while a webhook is set
            await app.bot.get_updates()
        sent = await anna.says("身份证过期了怎么换")
        assert (sent.text, sent.buttons) == (HELLO + "\n" + RENEW_NOTICE, AFTER)
        prompt = await anna.presses("办完了")
        assert (prompt.text, prompt.buttons) == ("请对我的工作作出评价：", RATING)
        assert (await anna.presses("满意", on=prompt)).text == "感谢您的评价！\n请慢走，欢迎您再来！"
    assert [m for m, _ in standin.requests if m.endswith("Webhook")] == ["setWebhook"]
    assert standin.webhook_errors == []
    assert hall.rows("select direction, kind, text, status, item from messages") == [
        ("in", "text", "身份证过期了怎么换", "answered", "id-card-renew"),
        ("out", "text", HELLO + "\n" + RENEW_NOTICE, None, None),
        ("in", "press", "done:1", None, None),
        ("out", "text", "请对我的工作作出评价：", None, None),
        ("in", "press", "rate:1:4", None, None),
        ("out", "text", "感谢您的评价！\n请慢走，欢迎您再来！", None, None)]
    assert hall.rows("select chat_id, end_reason, rating, rating_label from exchanges") == [
        (anna.chat_id, "done", 4, "满意")]


async def test_a_post_without_the_secret_token_is_refused_and_nothing_is_stored(hall, anna, standin):
    async with running(hall.app(webhook=local_webhook())):
        forged = standin.update(message=standin.message(anna.chat_id, text="交税"))
        assert await standin.post_update(forged, secret_token="guessed_Secret") == 403
        assert await standin.post_update(forged, secret_token=None) == 403
        # The next genuine update is the first answered: updates are handled in order, so
        # a forged one taken in would have been answered (and stored) before it.
        assert (await anna.says("/start")).text == GREETING
        assert (await anna.says("/hours")).text.startswith("办公时间：")
    assert standin.unread(anna.chat_id) == 0
    assert hall.rows("select direction, text from messages where direction = 'in'") == [
        ("in", "/start"), ("in", "/hours")]
    assert hall.rows("select count(*) from pending") == [(0,)]


async def test_a_restart_and_a_change_of_mode_lose_nothing(hall, anna, standin):
    hook = local_webhook()
    async with running(hall.app(webhook=hook)):
        choice = await anna.says("身份证")
    anna.taps("居民身份证挂失补领", on=choice)  # while the bot is down: Telegram keeps trying
    async with running(hall.app()):  # long polling: PTB deletes the webhook first
        notice = await anna.sees()
        assert notice.text.startswith("居民身份证挂失补领\n")
        assert standin.webhook is None
    anna.taps("办完了", on=notice)
    async with running(hall.app(webhook=hook)):  # the webhook again, on the same port
        prompt = await anna.sees()
        assert (prompt.text, prompt.buttons) == ("请对我的工作作出评价：", RATING)
    assert [m for m, _ in standin.requests if m.endswith("Webhook")] == [
        "setWebhook", "deleteWebhook", "setWebhook"]
    assert hall.rows("select kind, text from messages where direction = 'in'") == [
        ("text", "身份证"), ("press", "item:id-card-lost"), ("press", "done:1")]


# -- bot.py itself --------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


async def start_bot_py(tmp_path: Path, settings: str, **env: str) -> asyncio.subprocess.Process:
    """`python bot.py --config FILE` on the test hall, with ``settings`` (YAML) added to the
    config; nothing from the developer's environment but ``env``."""
    config = tmp_path / "config.yaml"
    config.write_text(f"{settings}knowledge: {make_hall(tmp_path / 'kb')}\n"
                      f"database: {tmp_path / 'chat.db'}\n", encoding="utf-8")
    return await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bot.py"), "--config", str(config), cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "CHUANGKOU_CACHE_DIR": str(tmp_path / "cache"), **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def stopped(process: asyncio.subprocess.Process) -> str:
    """SIGTERM, if it still runs (PTB stops cleanly on it); its stderr once it has ended."""
    if process.returncode is None:
        process.terminate()
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    return stderr.decode()


async def test_bot_py_runs_long_polling_against_the_configured_server(tmp_path, standin):
    """`python bot.py --config FILE` with a token: Telegram, at telegram.base_url."""
    process = await start_bot_py(
        tmp_path, f"telegram:\n  token: '{standin.token}'\n  base_url: {standin.base_url}\n")
    try:
        sent = await Citizen(standin, 1001).says("/start")
        assert (sent.text, sent.buttons) == (GREETING, MENU)
    finally:
        stderr = await stopped(process)
    assert process.returncode == 0, stderr
    assert standin.token.split(":")[1] not in stderr


async def test_bot_py_runs_a_webhook_against_the_configured_server(tmp_path, standin):
    """With telegram.webhook.url: PTB's webhook server on 127.0.0.1:port, registered with
    the Bot API at start, the secret token from the environment."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/chuangkou/telegram"
    process = await start_bot_py(
        tmp_path, f"telegram:\n  token: '{standin.token}'\n  base_url: {standin.base_url}\n"
                  f"  webhook:\n    url: {url}\n    listen: 127.0.0.1\n    port: {port}\n",
        TELEGRAM_WEBHOOK_SECRET=SECRET)
    try:
        Citizen(standin, 1001).types("/start")  # delivered once the webhook is set
        sent = await standin.next_sent(1001, timeout=60)  # bot.py takes a while to start
        assert (sent.text, sent.buttons) == (GREETING, MENU)
        assert standin.webhook == {"url": url, "secret_token": SECRET,
                                   "allowed_updates": ALLOWED_UPDATES, "max_connections": 40}
    finally:
        stderr = await stopped(process)
    assert process.returncode == 0, stderr
    assert (f"webhook: listening on 127.0.0.1:{port} for what Telegram posts to "
            f"http://127.0.0.1:{port}\n") in stderr
    assert "getUpdates" not in [method for method, _ in standin.requests]
    assert standin.token.split(":")[1] not in stderr and SECRET not in stderr
    with sqlite3.connect(tmp_path / "chat.db") as db:
        assert db.execute("select direction, text from messages").fetchall()[0] == ("in", "/start")


@pytest.mark.parametrize("trouble", ["setWebhook refused", "port taken", "token refused"])
async def test_bot_py_in_webhook_mode_says_what_went_wrong_in_one_line(tmp_path, standin, trouble):
    port = free_port()
    token = "123:wrong-token" if trouble == "token refused" else standin.token
    taken = socket.socket()
    if trouble == "port taken":
        taken.bind(("127.0.0.1", port))
        taken.listen()
    if trouble == "setWebhook refused":  # as Telegram's own API refuses http://
        standin.fail["setWebhook"].append((400, {
            "ok": False, "error_code": 400,
            "description": "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"}))
    process = await start_bot_py(  # no secret_token: bot.py makes one up
        tmp_path, f"telegram:\n  token: '{token}'\n  base_url: {standin.base_url}\n"
                  f"  webhook:\n    url: http://127.0.0.1:{port}/hook\n    port: {port}\n")
    try:
        _, err = await asyncio.wait_for(process.communicate(), 60)  # it stops by itself
    finally:
        taken.close()
        if process.returncode is None:
            process.kill()
            await process.wait()
    stderr = err.decode()
    assert process.returncode == 1, stderr
    last = stderr.strip().splitlines()[-1]
    assert [line for line in stderr.splitlines() if " ERROR " in line] == [last]
    where = f"http://127.0.0.1:{standin.port}"
    assert last.endswith({
        "setWebhook refused": f"ERROR handlers.telegram: the Bot API at {where} refused to set "
                              "the webhook: Bad webhook: an https url must be provided for webhook",
        "port taken": f"ERROR handlers.telegram: cannot listen on 127.0.0.1:{port} for the "
                      "webhook: Address already in use",
        "token refused": f"ERROR handlers.telegram: the Bot API at {where} refused the token",
    }[trouble]), stderr
    assert "Traceback" not in stderr
    made_up = [p["secret_token"] for m, p in standin.requests if m == "setWebhook"]
    assert len(made_up) == (0 if trouble == "token refused" else 1)
    for secret in [token.split(":")[1], *made_up]:
        assert len(secret) >= 10 and secret not in stderr


def test_bot_py_without_a_reachable_server_says_so_without_the_token(run_bot, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("telegram:\n  token: '123:very-secret'\n  base_url: http://127.0.0.1:9/bot\n"
                      f"database: {tmp_path / 'chat.db'}\n", encoding="utf-8")
    result = run_bot("run", config=config)
    assert result.returncode == 1
    assert "cannot reach the Bot API at http://127.0.0.1:9" in result.stderr
    assert "very-secret" not in result.stdout + result.stderr
