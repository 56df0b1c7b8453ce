"""bot.py as staff, CI and score.py use it: match, check and the terminal chat."""
import io
import json
import sqlite3
from pathlib import Path

import pytest

from handlers.clerk import Clerk
from handlers.notice import Notices
from handlers.terminal import chat
from knowledge.load import load_base
from knowledge.match import ANSWERED, CHOOSE, ROUTED
from knowledge.phrases import load_phrases
from transcripts.store import Store

from helpers import GUIDE, ScriptedMatcher, make_hall

BUNDLED = Path(__file__).resolve().parent.parent / "knowledge"
CONTRACT_KEYS = {"question", "status", "item", "candidates", "window", "score"}

@pytest.fixture
def small_base(tmp_path):
    return make_hall(tmp_path / "kb")


@pytest.fixture
def broken_base(small_base):
    guide = small_base / "guides" / "hukou.yaml"
    guide.write_text(GUIDE.replace("window: hukou", "window: nowhere", 1), encoding="utf-8")
    return small_base


def json_lines(stdout):
    return [json.loads(line) for line in stdout.splitlines()]


# -- match: the contract of shared/eval/README.md -----------------------------------

def test_match_writes_one_contract_line_per_question_in_order(run_bot):
    base = load_base(BUNDLED)
    first = next(iter(base.items.values()))
    questions = [first.title, "换身份证", "", "今天天气怎么样", "  办营业执照  ", "zzzz"]
    result = run_bot("match", "--knowledge", str(BUNDLED), input="".join(q + "\n" for q in questions))
    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    assert [line["question"] for line in lines] == [q.strip() for q in questions]
    for line in lines:
        assert set(line) == CONTRACT_KEYS
        assert line["window"] in base.windows
        assert isinstance(line["score"], float)
        if line["status"] == ANSWERED:
            assert line["item"] in base.items and line["candidates"] == []
            assert line["window"] == base.items[line["item"]].window
        elif line["status"] == CHOOSE:
            assert line["item"] is None
            assert 2 <= len(line["candidates"]) <= 4
            assert set(line["candidates"]) <= set(base.items)
        else:
            assert line["status"] == ROUTED
            assert line["item"] is None and line["candidates"] == []


def test_match_blank_line_is_routed_to_the_default_window(run_bot, small_base):
    result = run_bot("match", "--knowledge", str(small_base), input="\n   \n")
    assert result.returncode == 0, result.stderr
    assert json_lines(result.stdout) == [
        {"question": "", "status": ROUTED, "item": None, "candidates": [], "window": "consult",
         "score": 0.0}
    ] * 2


def test_match_explain_shows_staff_what_an_item_lacks_and_an_alias_fixes_it(run_bot, small_base):
    question = "身份证丢了怎么补办\n"
    result = run_bot("match", "--explain", "--knowledge", str(small_base), input=question)
    assert result.returncode == 0, result.stderr
    decision, *why = result.stdout.splitlines()
    assert json.loads(decision)["status"] == ROUTED  # the contract line comes first, as ever
    assert why[0].startswith("  words: 身份证 ")
    # 补办 is read as 补领 (the lexicon), which id-card-lost has and id-card-renew lacks.
    assert any(line.endswith("id-card-renew 居民身份证换领 [换领]; lacks 补办") for line in why)
    assert any(line.endswith("id-card-lost 居民身份证挂失补领 [补领]") for line in why)
    assert why[-1].startswith("  routed: the best item scored ")
    # What the explanation suggests for an item meant but not answered: an alias as
    # citizens ask for it.
    guide = small_base / "guides" / "hukou.yaml"
    guide.write_text(guide.read_text(encoding="utf-8").replace(
        "  title: 居民身份证挂失补领\n", "  title: 居民身份证挂失补领\n  aliases: [身份证丢了补办]\n"),
        encoding="utf-8")
    result = run_bot("match", "--knowledge", str(small_base), input=question)
    assert json_lines(result.stdout)[0]["item"] == "id-card-lost"


def test_match_explain_names_the_action_asked_and_each_items(run_bot):
    result = run_bot("match", "--explain", "--knowledge", str(BUNDLED), input="外地户口迁进来要迁移证吗\n")
    assert result.returncode == 0, result.stderr
    decision, *why = result.stdout.splitlines()
    assert json.loads(decision)["candidates"] == ["hukou-move-in", "hukou-move-out"]
    assert "  asks for: 迁入" in why
    assert any(" hukou-move-out 户口迁出登记 [迁出]" in line for line in why)
    assert why[-1] == "  choose: the best item is not for 迁入, what the question asks for; an item for it is close behind"


def test_match_on_a_broken_base_lists_problems_and_exits_1(run_bot, broken_base):
    result = run_bot("match", "--knowledge", str(broken_base), input="换身份证\n")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "guides/hukou.yaml:3: window 'nowhere' is not a window in hall.yaml" in result.stderr
    assert "Traceback" not in result.stderr


# -- check --------------------------------------------------------------------------

def test_check_bundled_base_is_clean(run_bot):
    result = run_bot("check", "--knowledge", str(BUNDLED))
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_broken_base_exits_1(run_bot, broken_base):
    result = run_bot("check", "--knowledge", str(broken_base))
    assert result.returncode == 1
    assert "guides/hukou.yaml:3:" in result.stdout


def test_check_defaults_to_the_configs_knowledge_folder(run_bot, broken_base, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(f"knowledge: {broken_base.name}\n", encoding="utf-8")
    assert run_bot("check", config=config).returncode == 1


# -- run: the terminal chat ---------------------------------------------------------

def notice_text(base, item) -> str:
    lines = Notices(base, load_phrases(base.folder)).notice(item)
    return "\n".join("".join(span.text for span in line) for line in lines)


def test_piped_chat_prints_the_notice_and_exits_at_eof(run_bot, tmp_path):
    base = load_base(BUNDLED)
    item = next(iter(base.items.values()))
    result = run_bot(input=item.title + "\n")  # no sub-command: run is the default
    assert result.returncode == 0, result.stderr
    assert base.hall.name in result.stdout
    assert notice_text(base, item) in result.stdout
    # Every message both ways is in the configured database.
    with sqlite3.connect(tmp_path / "chat.db") as db:
        said = db.execute("select direction, text from messages order by id").fetchall()
    assert [d for d, _ in said] == ["in", "out", "in", "out", "out"]
    assert said[2] == ("in", item.title)


GOODBYE = "请慢走，欢迎您再来！"


@pytest.mark.parametrize("lines, rating, reason", [
    (["身份证过期了怎么换", "办完了", "1"], 5, None),  # 1. 非常满意, then the end of input
    (["身份证过期了怎么换", "办完了", "5", "跑了两趟"], 1, "跑了两趟"),  # 非常不满意 and why
    (["身份证过期了怎么换", "办完了"], None, None),  # left without rating: seen off at EOF
    (["再见"], None, None),  # nothing asked: seen off at once
], ids=["rated", "rated-low-with-reason", "not-rated", "goodbye-only"])
def test_piped_chat_says_goodbye_once(run_bot, tmp_path, lines, rating, reason):
    result = run_bot(input="".join(line + "\n" for line in lines))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(GOODBYE) == 1, result.stdout
    assert result.stdout.endswith(GOODBYE + "\n")
    with sqlite3.connect(tmp_path / "chat.db") as db:
        assert db.execute("select count(*) from messages where text like ?",
                          [f"%{GOODBYE}"]).fetchone() == (1,)
        assert db.execute("select rating, reason from exchanges").fetchall() == [(rating, reason)]


@pytest.mark.parametrize("command", ["run", "check", "match"])
def test_every_command_help_ends_with_an_example(run_bot, command):
    result = run_bot(command, "--help")
    assert result.returncode == 0
    assert "Example:" in result.stdout
    assert "python bot.py" in result.stdout.rsplit("Example:", 1)[1]


def talk(base, script, *lines, db):
    out = io.StringIO()
    matcher = ScriptedMatcher(base, script, strict=True)
    store = Store(db)
    try:
        chat(Clerk(base, matcher, load_phrases(base.folder), store), [line + "\n" for line in lines], out)
    finally:
        store.close()
    return out.getvalue(), matcher.asked


def test_chat_choice_then_number_shows_that_notice(small_base, tmp_path):
    base = load_base(small_base)
    lost = base.items["id-card-lost"]
    script = {"身份证": (CHOOSE, ["id-card-renew", "id-card-lost"])}
    text, asked = talk(base, script, "身份证", "", "2", "quit", "never read", db=tmp_path / "t.db")
    assert text.startswith("您好！欢迎来到测试镇政务服务中心。请问您要办理什么业务？\n"
                           "  1. 常办事项  2. 全部窗口  3. 办公时间\n（请回复序号）\n")
    assert "您要办理的是下面哪一项？请点选：\n  1. 居民身份证换领\n  2. 居民身份证挂失补领\n" in text
    assert notice_text(base, lost) + "\n  1. 还有问题  2. 办完了\n" in text
    assert text.endswith("请慢走，欢迎您再来！\n")
    assert asked == ["身份证"]  # the number picked from the choice; the blank was skipped


def test_chat_done_and_rating_by_number(small_base, tmp_path):
    base = load_base(small_base)
    text, _ = talk(base, {"交税": (ROUTED, "tax")}, "交税", "2", "3", db=tmp_path / "t.db")
    assert ("请对我的工作作出评价：\n  1. 非常满意\n  2. 满意\n  3. 基本满意\n  4. 不满意\n"
            "  5. 非常不满意\n（请回复序号）\n感谢您的评价！\n请慢走，欢迎您再来！\n") in text


def test_chat_routed_names_the_window_hours_and_hotline(small_base, tmp_path):
    base = load_base(small_base)
    text, _ = talk(base, {"交税": (ROUTED, "tax")}, "交税", db=tmp_path / "t.db")
    assert "对不起，这个问题请到9号窗口（税务窗口）咨询。" in text
    assert "周一至周五 9:00-17:00" in text and "0000-1111111" in text


def test_chat_survives_a_failing_step(small_base, tmp_path, caplog):
    base = load_base(small_base)
    renew = base.items["id-card-renew"]
    with caplog.at_level("ERROR", logger="handlers.terminal"):
        text, _ = talk(base, {"身份证": (CHOOSE, ["id-card-renew"])}, "身份证", "nobody scripted this", "1", "/hours",
                       db=tmp_path / "t.db")
    # The apology, then the button shown before it still pressed by its number.
    assert "（请回复序号）\n抱歉，系统刚才出了点问题，请您稍后再试一次。急事请拨打咨询电话0000-1111111。\n" \
           + notice_text(base, renew) in text
    assert "办公时间：周一至周五 9:00-17:00" in text
    assert "KeyError: 'nobody scripted this'" in caplog.text and "Traceback" in caplog.text
    with sqlite3.connect(tmp_path / "t.db") as db:
        said = db.execute("select exchange_id, direction, kind, text, said, status from messages "
                          "where id between 5 and 6").fetchall()
    assert said == [(1, "in", "text", "nobody scripted this", None, None),
                    (1, "out", "text", "抱歉，系统刚才出了点问题，请您稍后再试一次。急事请拨打咨询电话0000-1111111。",
                     "error", None)]


def test_notice_tells_everything_at_once(small_base):
    base = load_base(small_base)
    text = notice_text(base, base.items["id-card-renew"])
    assert text.splitlines()[0] == "居民身份证换领"
    for part in ("3-4号窗口（户政窗口，一楼东侧）", "1. 原居民身份证：原件",
                 "2. 监护人居民身份证（未满16周岁的）", "有效期满前3个月内", "工本费20元",
                 "20个工作日", "取号 → 采集人像 → 领证", "下面的手续请到9号窗口（税务窗口）办理。",
                 "周一至周五 9:00-17:00"):
        assert part in text
