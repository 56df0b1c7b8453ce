"""The clerk, driven directly: each step of the conversation, on a real SQLite file."""
import ast
import json
import logging
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from handlers.clerk import CHOOSING, IDLE, OPEN, REASON, Clerk
from knowledge.load import load_base
from knowledge.phrases import BUNDLED, load_phrases
from transcripts.store import Chat, Store

from helpers import RENEW_NOTICE, ROUTE_TAX, Clock, ScriptedMatcher, make_hall

ROOT = Path(__file__).resolve().parent.parent
ANNA = Chat("terminal", 1, 1)
BEN = Chat("terminal", 2, 2)
GREETING = "您好！欢迎来到测试镇政务服务中心。请问您要办理什么业务？"
HELLO = "您好！欢迎来到测试镇政务服务中心。"
MENU = [("menu:common", "常办事项"), ("menu:windows", "全部窗口"), ("menu:hours", "办公时间")]
RATING = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
SCRIPT = {
    "身份证过期了怎么换": ("answered", "id-card-renew"),
    "换身份证多少钱": ("answered", "id-card-renew"),
    "丢身份证要多久": ("answered", "id-card-lost"),
    "身份证": ("choose", ["id-card-renew", "id-card-lost"]),
    "发票": ("routed", "tax"),
    "身份证挂了": ("routed", "hukou", ["id-card-lost"]),
}


class Desk:
    """A clerk on a real database file, with a clock the test moves."""

    def __init__(self, tmp_path: Path):
        self.folder = make_hall(tmp_path / "kb")
        self.db_path = tmp_path / "chat.db"
        self.base = load_base(self.folder, use_cache=False)
        self.phrases = load_phrases(self.folder)
        self.clock = Clock()
        self.matcher = ScriptedMatcher(self.base, SCRIPT)
        self.reopen()

    def reopen(self) -> None:
        """A new store and clerk on the same file: what a restart does."""
        self.store = Store(self.db_path)
        self.clerk = Clerk(self.base, self.matcher, self.phrases, self.store,
                           idle=timedelta(minutes=10), clock=self.clock)

    def rows(self, sql: str, params=()) -> list[dict]:
        return list(self.store.db.query(sql, params))

    def state(self, who: Chat) -> str:
        return self.store.conversation(who)["step"]


@pytest.fixture
def desk(tmp_path):
    d = Desk(tmp_path)
    yield d
    d.store.close()


def one(turn):
    """The only reply of a turn, as (text, [(button id, label)])."""
    assert len(turn.replies) == 1, turn
    reply = turn.replies[0]
    return reply.plain(), [(b.id, b.label) for b in reply.all_buttons()]


def after(exchange: int) -> list:
    return [(f"more:{exchange}", "还有问题"), (f"done:{exchange}", "办完了")]


def rating(exchange: int) -> list:
    return [(f"rate:{exchange}:{5 - i}", label) for i, label in enumerate(RATING)]


# -- greeting ------------------------------------------------------------------------------


def test_start_greets_with_the_hall_and_the_menu(desk):
    assert one(desk.clerk.start(ANNA)) == (GREETING, MENU)
    assert desk.state(ANNA) == OPEN
    assert desk.rows("select direction, kind, text, said from messages") == [
        {"direction": "in", "kind": "command", "text": "/start", "said": None},
        {"direction": "out", "kind": "text", "text": GREETING, "said": "greeting"}]


def test_a_first_question_is_greeted_then_answered_with_every_material(desk):
    turn = desk.clerk.text(ANNA, "身份证过期了怎么换")
    assert one(turn) == (HELLO + "\n" + RENEW_NOTICE, after(1))
    assert turn.idle_due == desk.clock.now + timedelta(minutes=10)
    question, answer = desk.rows("select * from messages order by id")
    assert (question["direction"], question["text"], question["status"], question["item"],
            question["window"], question["score"]) == \
        ("in", "身份证过期了怎么换", "answered", "id-card-renew", "hukou", 0.9)
    assert (answer["direction"], answer["said"], answer["exchange_id"]) == ("out", "notice", 1)
    assert json.loads(answer["buttons"]) == [list(b) for b in after(1)]
    assert answer["time"] == "2025-03-03T09:00:00.000+00:00"


def test_hello_gets_the_full_greeting(desk):
    assert one(desk.clerk.text(ANNA, "你好！")) == (GREETING, MENU)
    assert one(desk.clerk.text(ANNA, "在吗")) == (GREETING, MENU)


def test_the_menu_buttons(desk):
    desk.clerk.start(ANNA)
    text, buttons = one(desk.clerk.press(ANNA, "menu:common"))
    # Of the sample hall's common items (bundled phrases), this base has only one.
    assert (text, buttons) == ("大家常办的事项如下，请点选：", [("item:id-card-renew", "居民身份证换领")])
    assert desk.state(ANNA) == CHOOSING
    assert one(desk.clerk.press(ANNA, "menu:windows")) == ("\n".join([
        "本中心共设3个窗口：", "1号窗口（综合咨询窗口，一楼大厅）", "3-4号窗口（户政窗口，一楼东侧）",
        "9号窗口（税务窗口）"]), [])
    assert one(desk.clerk.press(ANNA, "menu:hours")) == (
        "办公时间：周一至周五 9:00-17:00\n咨询电话：0000-1111111\n地址：人民路1号", [])


# -- the complete notice -----------------------------------------------------------------


def test_a_fee_question_gets_the_whole_notice_with_the_fee_first(desk):
    text, _ = one(desk.clerk.text(ANNA, "换身份证多少钱"))
    lines = text.splitlines()
    assert lines[:3] == [HELLO, "收费标准：工本费20元", "居民身份证换领"]
    assert lines.count("收费标准：工本费20元") == 1
    assert sorted(lines[1:]) == sorted(RENEW_NOTICE.splitlines())  # all of it, once


def test_a_time_question_on_an_item_without_one_says_where_to_ask(desk):
    text, _ = one(desk.clerk.text(ANNA, "丢身份证要多久"))
    assert text.splitlines()[1:] == [
        "办理时限：办事指南未列明，请向3-4号窗口（户政窗口，一楼东侧）确认。",
        "居民身份证挂失补领", "办理窗口：3-4号窗口（户政窗口，一楼东侧）", "所需材料（请一次带齐）：",
        "1. 居民户口簿", "办公时间：周一至周五 9:00-17:00"]


def test_the_notice_marks_labels_bold_and_cases_italic(desk):
    reply = desk.clerk.text(ANNA, "身份证过期了怎么换").replies[0]
    styled = {(s.text, s.style) for line in reply.lines for s in line}
    assert {("居民身份证换领", "b"), ("办理窗口：", "b"), ("（未满16周岁的）", "i"),
            ("工本费20元", "")} <= styled


# -- which one? ----------------------------------------------------------------------------


def test_a_choice_then_a_press_sends_that_notice(desk):
    text, buttons = one(desk.clerk.text(ANNA, "身份证"))
    assert text == HELLO + "\n您要办理的是下面哪一项？请点选："
    assert buttons == [("item:id-card-renew", "居民身份证换领"), ("item:id-card-lost", "居民身份证挂失补领")]
    assert desk.state(ANNA) == CHOOSING
    assert one(desk.clerk.press(ANNA, "item:id-card-renew")) == (RENEW_NOTICE, after(1))
    assert desk.state(ANNA) == OPEN
    assert desk.rows("select questions from exchanges") == [{"questions": 2}]


def test_a_repeated_press_gets_a_toast_and_a_stale_one_a_polite_word(desk):
    desk.clerk.text(ANNA, "身份证")
    desk.clerk.press(ANNA, "item:id-card-lost")
    again = desk.clerk.press(ANNA, "item:id-card-lost")
    assert (again.replies, again.toast) == ((), "上面已经为您列出来了，请查看。")
    # The other candidate of the same choice is still welcome.
    assert one(desk.clerk.press(ANNA, "item:id-card-renew"))[0] == RENEW_NOTICE
    for data in ("item:gone-from-the-base", "menu:nothing", "rate:99:5", "rate:1:9", "junk"):
        assert one(desk.clerk.press(ANNA, data)) == ("这个按钮已经失效了。请问您要办理什么业务？", [])


def test_the_number_of_a_candidate_picks_it(desk):
    desk.clerk.text(ANNA, "身份证")
    assert one(desk.clerk.text(ANNA, "2"))[0].startswith("居民身份证挂失补领\n")


# -- routing -------------------------------------------------------------------------------


def test_routed_question_names_the_window_and_is_pending_for_it(desk):
    desk.clerk.start(ANNA)
    assert one(desk.clerk.text(ANNA, "发票")) == (ROUTE_TAX, after(1))
    assert desk.rows("select exchange_id, window, question, status from pending") == [
        {"exchange_id": 1, "window": "tax", "question": "发票", "status": "pending"}]


def test_a_routed_question_offers_the_item_it_may_mean_and_a_press_tells_it(desk):
    desk.clerk.start(ANNA)
    text, buttons = one(desk.clerk.text(ANNA, "身份证挂了"))
    assert text == ("对不起，这个问题请到3-4号窗口（户政窗口，一楼东侧）咨询。\n"
                    "办公时间：周一至周五 9:00-17:00\n咨询电话：0000-1111111\n"
                    "如果您要办理的是下面的事项，请点选，我把完整的办事告知发给您：")
    assert buttons == [("item:id-card-lost", "居民身份证挂失补领"), *after(1)]
    assert desk.rows("select window, question from pending") == [{"window": "hukou", "question": "身份证挂了"}]
    notice, _ = one(desk.clerk.press(ANNA, "item:id-card-lost"))
    assert notice.startswith("居民身份证挂失补领\n办理窗口：3-4号窗口")
    assert desk.clerk.text(ANNA, "1").replies[0].plain().startswith("对不起")  # no longer on offer


def test_anything_unknown_goes_to_the_default_window_never_unanswered(desk):
    desk.clerk.start(ANNA)
    text, _ = one(desk.clerk.text(ANNA, "今天天气怎么样"))
    assert text.startswith("对不起，这个问题请到1号窗口（综合咨询窗口，一楼大厅）咨询。")
    assert "不知道" not in text


# -- complaints, suggestions, praise, patience ----------------------------------------


def test_complaint_and_suggestion_are_thanked_and_registered(desk):
    desk.clerk.start(ANNA)
    assert one(desk.clerk.text(ANNA, "我要投诉3号窗口的工作人员态度差")) == (
        "谢谢您，欢迎您监督和帮助！您反映的情况我们已经记录，会尽快核实处理。\n投诉电话：0000-2222222",
        after(1))
    assert one(desk.clerk.text(ANNA, "建议多开几个窗口"))[0].startswith("谢谢您，欢迎您监督和帮助！")
    assert desk.rows("select kind, text, status from complaints") == [
        {"kind": "complaint", "text": "我要投诉3号窗口的工作人员态度差", "status": "new"},
        {"kind": "suggestion", "text": "建议多开几个窗口", "status": "new"}]
    assert desk.matcher.asked == []


@pytest.mark.parametrize("question", ["投诉电话是多少", "你们的投诉电话多少？", "举报电话是多少",
                                      "请问一下，投诉热线是多少", "你们电话是多少啊"])
def test_asking_for_the_complaint_line_gets_the_numbers_and_is_no_complaint(desk, question):
    desk.clerk.start(ANNA)
    assert one(desk.clerk.text(ANNA, question)) == (
        "好的，测试镇政务服务中心的联系电话如下：\n咨询电话：0000-1111111\n投诉电话：0000-2222222\n"
        "办公时间：周一至周五 9:00-17:00", after(1))
    assert desk.rows("select * from complaints") == []
    assert desk.rows("select questions from exchanges") == [{"questions": 1}]  # so it is rated
    assert desk.matcher.asked == []


@pytest.mark.parametrize("complaint", ["我要投诉5号窗口的工作人员态度很差",
                                       "投诉电话是多少？5号窗口的工作人员态度很差，我要投诉"])
def test_a_complaint_that_also_asks_the_number_is_still_registered(desk, complaint):
    desk.clerk.start(ANNA)
    assert one(desk.clerk.text(ANNA, complaint)) == (
        "谢谢您，欢迎您监督和帮助！您反映的情况我们已经记录，会尽快核实处理。\n投诉电话：0000-2222222",
        after(1))
    assert desk.rows("select kind, text from complaints") == [{"kind": "complaint", "text": complaint}]


def test_praise_gets_the_standard_words(desk):
    desk.clerk.start(ANNA)
    assert one(desk.clerk.text(ANNA, "你们服务真好，点赞")) == ("谢谢，这是我们应该做的。", after(1))


def test_an_upset_citizen_gets_patience_then_the_answer(desk):
    desk.clerk.start(ANNA)
    text, _ = one(desk.clerk.text(ANNA, "什么破系统，到底发票怎么办"))
    assert text == "请您别着急，请听我详细解释一下好吗？\n" + ROUTE_TAX.replace("请到9号", "请到1号").replace(
        "（税务窗口）", "（综合咨询窗口，一楼大厅）")


# -- the end and the rating --------------------------------------------------------------


def test_done_asks_for_a_rating_once_and_a_good_one_sees_the_citizen_off(desk):
    desk.clerk.text(ANNA, "身份证过期了怎么换")
    assert one(desk.clerk.press(ANNA, "done:1")) == ("请对我的工作作出评价：", rating(1))
    assert desk.state(ANNA) == IDLE
    assert one(desk.clerk.press(ANNA, "rate:1:4")) == ("感谢您的评价！\n请慢走，欢迎您再来！", [])
    again = desk.clerk.press(ANNA, "rate:1:2")
    assert (again.replies, again.toast) == ((), "您已经评价过了，谢谢！")
    assert desk.clerk.press(ANNA, "done:1").toast == "本次咨询已经结束，感谢您的来访。"
    assert desk.rows("select end_reason, questions, rating, rating_label, reason from exchanges") == [
        {"end_reason": "done", "questions": 1, "rating": 4, "rating_label": "满意", "reason": None}]


def test_a_low_rating_asks_for_the_reason_and_records_it(desk):
    desk.clerk.text(ANNA, "发票")
    desk.clerk.press(ANNA, "done:1")
    assert one(desk.clerk.press(ANNA, "rate:1:1")) == (
        "非常抱歉没能让您满意。请告诉我们不满意的原因，我们一定认真改进。", [])
    assert desk.state(ANNA) == REASON
    assert one(desk.clerk.text(ANNA, "让我跑了两趟")) == (
        "谢谢您的宝贵意见，我们一定认真改进。\n请慢走，欢迎您再来！", [])
    assert desk.rows("select rating, rating_label, reason from exchanges") == [
        {"rating": 1, "rating_label": "非常不满意", "reason": "让我跑了两趟"}]
    assert desk.state(ANNA) == IDLE
    assert desk.matcher.asked == ["发票"]  # the reason was not taken for a question


@pytest.mark.parametrize("typed, level", [("满意", 4), ("非常满意！", 5), ("基本满意。", 3), ("满意，谢谢", 4)])
def test_a_rating_typed_rather_than_pressed_is_taken(desk, typed, level):
    desk.clerk.text(ANNA, "身份证过期了怎么换")
    desk.clerk.press(ANNA, "done:1")
    assert one(desk.clerk.text(ANNA, typed)) == ("感谢您的评价！\n请慢走，欢迎您再来！", [])
    assert desk.rows("select rating from exchanges") == [{"rating": level}]
    assert desk.rows("select kind, text from messages where direction = 'in'")[-1] == {"kind": "text", "text": typed}
    assert desk.matcher.asked == ["身份证过期了怎么换"]  # the rating was not taken for a question


def test_a_typed_low_rating_asks_for_the_reason(desk):
    desk.clerk.text(ANNA, "发票")
    desk.clerk.text(ANNA, "再见")
    assert one(desk.clerk.text(ANNA, "不满意"))[0].startswith("非常抱歉没能让您满意")
    desk.clerk.text(ANNA, "等太久了")
    assert desk.rows("select rating, reason from exchanges") == [{"rating": 2, "reason": "等太久了"}]


def test_a_rating_word_when_no_rating_was_asked_is_an_ordinary_message(desk):
    desk.clerk.text(ANNA, "身份证过期了怎么换")
    desk.clerk.press(ANNA, "done:1")
    desk.clerk.press(ANNA, "rate:1:5")
    desk.clerk.text(ANNA, "满意")  # rated already: a new exchange, not a second rating
    assert desk.rows("select rating from exchanges order by id") == [{"rating": 5}, {"rating": None}]


@pytest.mark.parametrize("words", ["谢谢", "好的，谢谢！", "再见", "没有了", "没有了谢谢", "拜拜~"])
def test_thanks_and_goodbye_end_the_exchange(desk, words):
    desk.clerk.text(ANNA, "身份证过期了怎么换")
    assert one(desk.clerk.text(ANNA, words)) == ("请对我的工作作出评价：", rating(1))
    assert desk.rows("select end_reason from exchanges") == [{"end_reason": "goodbye"}]


def test_thanks_with_a_question_is_a_question(desk):
    desk.clerk.start(ANNA)
    assert one(desk.clerk.text(ANNA, "谢谢，发票"))[0].startswith("对不起")


def test_goodbye_without_a_question_is_not_asked_to_rate(desk):
    desk.clerk.start(ANNA)
    assert one(desk.clerk.text(ANNA, "再见")) == ("请慢走，欢迎您再来！", [])


def test_idle_time_ends_the_exchange_and_asks_once(desk):
    desk.clerk.text(ANNA, "身份证过期了怎么换")
    desk.clock.advance(minutes=9)
    early = desk.clerk.idle(ANNA)
    assert (early.replies, early.changed) == ((), False)
    desk.clock.advance(minutes=1)
    assert one(desk.clerk.idle(ANNA)) == ("您好，本次咨询先到这里。\n请对我的工作作出评价：", rating(1))
    assert desk.clerk.idle(ANNA).replies == ()  # asked once, not nagged
    desk.clock.advance(hours=1)
    # Coming back later: a new exchange, greeted; the old rating can still be given.
    assert one(desk.clerk.text(ANNA, "发票"))[0] == HELLO + "\n" + ROUTE_TAX
    assert one(desk.clerk.press(ANNA, "rate:1:5"))[0] == "感谢您的评价！\n好的，请问还有什么可以帮您？"
    assert desk.rows("select id, end_reason, rating from exchanges") == [
        {"id": 1, "end_reason": "idle", "rating": 5}, {"id": 2, "end_reason": None, "rating": None}]


def test_idle_after_only_a_greeting_closes_quietly(desk):
    desk.clerk.start(ANNA)
    desk.clock.advance(minutes=10)
    assert desk.clerk.idle(ANNA).replies == ()
    assert desk.rows("select end_reason from exchanges") == [{"end_reason": "idle"}]


# -- commands and everything else ------------------------------------------------------


def test_commands(desk):
    assert one(desk.clerk.command(ANNA, "windows"))[0].startswith(HELLO + "\n本中心共设3个窗口：\n")
    assert one(desk.clerk.command(ANNA, "hours"))[0] == (
        "办公时间：周一至周五 9:00-17:00\n咨询电话：0000-1111111\n地址：人民路1号")
    assert "/windows 全部窗口" in one(desk.clerk.command(ANNA, "help"))[0]
    assert one(desk.clerk.command(ANNA, "nonsense"))[0] == "抱歉，没有这个命令。发送 /help 可以查看使用说明。"
    desk.clerk.text(ANNA, "身份证")
    assert one(desk.clerk.command(ANNA, "cancel"))[0] == "好的，已为您取消。需要时请随时告诉我。"
    assert desk.state(ANNA) == IDLE
    assert desk.rows("select end_reason from exchanges") == [{"end_reason": "cancel"}]


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "document", "location", "contact"])
def test_anything_but_text_gets_a_polite_word(desk, kind):
    desk.clerk.start(ANNA)
    assert one(desk.clerk.other(ANNA, kind)) == (
        "抱歉，我只能看懂文字消息。请用文字告诉我您要办理什么业务。", [])
    assert desk.rows("select kind, text from messages where direction = 'in' and id > 1") == [
        {"kind": kind, "text": f"[{kind}]"}]


def test_edited_emoji_only_and_very_long_messages(desk):
    desk.clerk.start(ANNA)
    assert one(desk.clerk.other(ANNA, "edited"))[0].startswith("您修改了刚才的消息。")
    assert one(desk.clerk.text(ANNA, "👍👍🙂"))[0] == "请用文字告诉我您要办理什么业务，我来为您解答。"
    assert one(desk.clerk.text(ANNA, "身份证" * 1400))[0].startswith("您的消息太长了")
    assert desk.matcher.asked == []


def test_an_item_id_too_long_for_a_button_still_works(tmp_path):
    folder = make_hall(tmp_path / "kb")
    long_id = "a-very-long-item-id-written-by-staff-who-like-being-precise-about-things"
    with (folder / "guides" / "hukou.yaml").open("a", encoding="utf-8") as guide:
        guide.write(f"- id: {long_id}\n  title: 很长的事项\n  window: tax\n  materials: [申请书]\n")
    base = load_base(folder, use_cache=False)
    store = Store(tmp_path / "chat.db")
    matcher = ScriptedMatcher(base, {"长": ("choose", ["id-card-lost", long_id])})
    clerk = Clerk(base, matcher, load_phrases(folder), store)
    _, buttons = one(clerk.text(ANNA, "长"))
    assert all(len(data.encode()) <= 64 for data, _ in buttons)
    assert one(clerk.press(ANNA, buttons[1][0]))[0].startswith("很长的事项\n")
    store.close()


# -- a hall's own phrases.yaml -------------------------------------------------------------


def test_a_halls_older_phrases_file_gives_its_own_words_and_the_bundled_new_ones(desk, caplog):
    """The hall's phrases.yaml was customised before the phone answer existed and never
    listed 常办事项: the bot still starts; the citizen gets the hall's own praise and 办好了
    button, the bundled phone answer, and a menu of this hall's own items."""
    text = BUNDLED.read_text(encoding="utf-8")
    cut = [("  # 群众问电话号码", "  patience:"), ("  # 问电话号码的说法", "  praise: [表扬"),
           ("# “常办事项”", None)]
    for start, end in cut:
        text = text[:text.index(start)] + (text[text.index(end):] if end else "")
    text = text.replace("praise: 谢谢，这是我们应该做的。", "praise: 不客气，为您服务是应该的。", 1)
    text = text.replace("  done: 办完了", "  done: 办好了", 1)
    (desk.folder / "phrases.yaml").write_text(text, encoding="utf-8")
    def line(section: str) -> int:
        return text.splitlines().index(section) + 1

    with caplog.at_level(logging.WARNING, logger="knowledge.phrases"):
        desk.phrases = load_phrases(desk.folder)
    assert [r.getMessage() for r in caplog.records] == [
        "phrases.yaml:1: warning: section 'common_items' is missing; the 常办事项 menu shows "
        "the first items of guides/*.yaml",
        f"phrases.yaml:{line('phrases:')}: warning: phrase 'phone' is missing; the bundled one is used",
        f"phrases.yaml:{line('words:')}: warning: word list 'phone' is missing; the bundled one is used"]
    desk.reopen()
    after_1 = [("more:1", "还有问题"), ("done:1", "办好了")]
    desk.clerk.start(ANNA)
    assert one(desk.clerk.text(ANNA, "你们服务真好，点赞")) == ("不客气，为您服务是应该的。", after_1)
    assert one(desk.clerk.text(ANNA, "投诉电话是多少")) == (
        "好的，测试镇政务服务中心的联系电话如下：\n咨询电话：0000-1111111\n投诉电话：0000-2222222\n"
        "办公时间：周一至周五 9:00-17:00", after_1)
    assert desk.rows("select * from complaints") == []
    assert one(desk.clerk.press(ANNA, "menu:common")) == ("大家常办的事项如下，请点选：", [
        ("item:id-card-renew", "居民身份证换领"), ("item:id-card-lost", "居民身份证挂失补领"),
        ("item:invoice", "代开发票（金额<10万元）")])


# -- persistence, and two citizens -----------------------------------------------------


def test_a_new_clerk_on_the_same_file_continues_the_conversation(desk):
    desk.clerk.text(ANNA, "身份证")
    desk.store.close()
    desk.reopen()
    assert desk.state(ANNA) == CHOOSING
    assert one(desk.clerk.press(ANNA, "item:id-card-lost"))[0].startswith("居民身份证挂失补领")
    desk.clerk.press(ANNA, "done:1")
    desk.clerk.press(ANNA, "rate:1:2")
    desk.store.close()
    desk.reopen()
    assert one(desk.clerk.text(ANNA, "等太久"))[0].startswith("谢谢您的宝贵意见")
    assert desk.store.idle_timers() == []


def test_idle_timers_are_stored(desk):
    desk.clerk.text(ANNA, "发票")
    desk.clock.advance(minutes=1)
    desk.clerk.text(BEN, "发票")
    assert desk.store.idle_timers() == [
        (ANNA, desk.clock.now + timedelta(minutes=9)), (BEN, desk.clock.now + timedelta(minutes=10))]


def test_two_citizens_are_kept_apart(desk):
    desk.clerk.text(ANNA, "身份证")
    desk.clerk.text(BEN, "发票")
    assert (desk.state(ANNA), desk.state(BEN)) == (CHOOSING, OPEN)
    # Ben cannot end or rate Anna's exchange.
    assert desk.clerk.press(BEN, "done:1").toast == "本次咨询已经结束，感谢您的来访。"
    desk.clerk.press(ANNA, "done:1")
    assert one(desk.clerk.press(BEN, "rate:1:1"))[0] == "这个按钮已经失效了。请问您要办理什么业务？"
    assert desk.rows("select id, chat_id, end_reason, rating from exchanges") == [
        {"id": 1, "chat_id": 1, "end_reason": "done", "rating": None},
        {"id": 2, "chat_id": 2, "end_reason": None, "rating": None}]


def test_a_failed_step_writes_nothing(desk):
    desk.clerk.start(ANNA)

    def broken(question):
        raise RuntimeError("matcher down")

    desk.matcher.match = broken
    with pytest.raises(RuntimeError):
        desk.clerk.text(ANNA, "发票")
    assert desk.rows("select count(*) as n from messages") == [{"n": 2}]


SORRY = "抱歉，系统刚才出了点问题，请您稍后再试一次。急事请拨打咨询电话0000-1111111。"


def test_a_failed_step_is_recorded_with_its_apology_and_can_be_retried(desk):
    desk.clerk.text(ANNA, "身份证过期了怎么换")
    ask = desk.matcher.match
    desk.matcher.match = lambda question: 1 / 0
    with pytest.raises(ZeroDivisionError):
        desk.clerk.text(ANNA, "发票")
    assert one(desk.clerk.failed(ANNA, "text", "发票")) == (SORRY, [])
    desk.matcher.match = ask
    assert one(desk.clerk.text(ANNA, "发票")) == (ROUTE_TAX, after(1))
    desk.store.close()
    desk.reopen()  # what is in the file
    assert desk.rows("select exchange_id, direction, text, said, status from messages "
                     "where id > 2") == [
        {"exchange_id": 1, "direction": "in", "text": "发票", "said": None, "status": None},
        {"exchange_id": 1, "direction": "out", "text": SORRY, "said": "error", "status": None},
        {"exchange_id": 1, "direction": "in", "text": "发票", "said": None, "status": "routed"},
        {"exchange_id": 1, "direction": "out", "text": ROUTE_TAX, "said": "route", "status": None}]
    assert desk.rows("select message_id from pending") == [{"message_id": 5}]
    assert desk.rows("select questions from exchanges") == [{"questions": 2}]


def test_a_first_message_that_fails_is_greeted_and_a_failed_reason_still_awaited(desk, monkeypatch):
    assert one(desk.clerk.failed(ANNA, "text", "发票")) == (HELLO + "\n" + SORRY, [])
    assert one(desk.clerk.text(ANNA, "发票"))[0] == ROUTE_TAX  # greeted once
    desk.clerk.press(ANNA, "done:1")
    desk.clerk.press(ANNA, "rate:1:1")
    monkeypatch.setattr(Store, "give_reason", lambda *args: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        desk.clerk.text(ANNA, "让我跑了两趟")
    assert one(desk.clerk.failed(ANNA, "text", "让我跑了两趟")) == (SORRY, [])
    assert desk.state(ANNA) == REASON
    monkeypatch.undo()
    assert one(desk.clerk.text(ANNA, "让我跑了两趟"))[0].startswith("谢谢您的宝贵意见")
    assert desk.rows("select reason from exchanges") == [{"reason": "让我跑了两趟"}]


# -- the code itself ---------------------------------------------------------------------


def test_the_clerk_knows_nothing_of_telegram():
    code = ("import sys, handlers.clerk, handlers.terminal, transcripts.store\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'telegram'))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


def _cjk_strings(path: Path) -> list[str]:
    """String literals with Chinese characters, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings and any("\u4e00" <= c <= "\u9fff" for c in node.value)]


@pytest.mark.parametrize("path", sorted((ROOT / "handlers").glob("*.py")) + sorted(
    (ROOT / "transcripts").glob("*.py")), ids=lambda p: p.name)
def test_no_chinese_sentence_for_citizens_in_the_code(path):
    """Everything a citizen reads comes from phrases.yaml (or the base)."""
    assert _cjk_strings(path) == []


def test_the_diagram_beside_the_code_has_every_step():
    diagram = (ROOT / "handlers" / "conversation.mmd").read_text(encoding="utf-8")
    assert diagram.lstrip("%").count("stateDiagram-v2") == 1
    for step in (IDLE, OPEN, CHOOSING, REASON):
        assert f"{step.upper()} -->" in diagram and f"--> {step.upper()}" in diagram
