"""The standard phrases staff edit (knowledge/phrases.yaml) and their check, as file:line.

A hall's own phrases.yaml overrides the bundled one key by key: what it leaves out is the
bundled phrase, with a warning; what it writes is checked as strictly as the bundled file."""
import io
import shutil
from pathlib import Path

import pytest

from knowledge.check import main as check_main
from knowledge.load import KnowledgeError
from knowledge.phrases import (BUNDLED, BUTTONS, COMMANDS, PHRASES, WORDS, load_phrases,
                               read_phrases)

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_TEXT = BUNDLED.read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    """The 1-based line where ``needle`` first appears (which must be there)."""
    assert needle in text, needle
    return text[: text.index(needle)].count("\n") + 1


def edited(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    """A copy of the bundled phrases with ``old`` replaced by ``new``."""
    assert old in BUNDLED_TEXT, old
    text = BUNDLED_TEXT.replace(old, new, 1)
    path = tmp_path / "phrases.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text


def problems(path: Path) -> list[str]:
    """What check says of ``path`` as a knowledge folder's own phrases.yaml."""
    out = io.StringIO()
    check_main(path.parent, out)
    return [line for line in out.getvalue().splitlines() if line.startswith("phrases.yaml:")]


def test_bundled_phrases_are_clean_and_complete():
    phrases, found = read_phrases(BUNDLED)
    assert found == []
    assert set(phrases.texts) == set(PHRASES)
    assert (set(phrases.buttons), set(phrases.commands), set(phrases.words)) == \
        (set(BUTTONS), set(COMMANDS), set(WORDS))
    assert len(phrases.rating) == 5 and phrases.common_items


def test_the_bundled_file_itself_must_have_every_key(tmp_path):
    """Read on its own (as the bundled file is), a missing key is still an error: the
    bundled file is what every hall falls back on."""
    path, text = edited(tmp_path, "  praise: 谢谢，这是我们应该做的。\n", "")
    phrases, found = read_phrases(path)
    assert phrases is None
    assert [str(p) for p in found] == [f"phrases.yaml:{line_of(text, 'phrases:')}: missing phrase 'praise'"]
    path, text = edited(tmp_path, "rating:\n  - 非常满意\n  - 满意\n  - 基本满意\n  - 不满意\n  - 非常不满意\n", "")
    assert [str(p) for p in read_phrases(path)[1]] == ["phrases.yaml:1: missing section 'rating'"]


def test_the_halls_standard_words_are_there():
    """The service rules' own words (来有迎声、问有答声、走有送声) and the five levels of 好差评."""
    p = load_phrases(None)
    assert p.say("greeting", hall="城关镇政务服务中心") == \
        "您好！欢迎来到城关镇政务服务中心。请问您要办理什么业务？"
    assert p.rating == ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
    assert p.rating_label(5) == "非常满意" and p.rating_label(1) == "非常不满意"
    assert p.say("complaint", complaint_hotline="1").startswith("谢谢您，欢迎您监督和帮助")
    assert p.say("suggestion", complaint_hotline="1").startswith("谢谢您，欢迎您监督和帮助")
    assert p.say("praise") == "谢谢，这是我们应该做的。"
    assert "请听我详细解释一下好吗" in p.say("patience")
    assert p.say("route", window="3号窗口（户政窗口，一楼）") == "对不起，这个问题请到3号窗口（户政窗口，一楼）咨询。"
    assert p.say("rate") == "请对我的工作作出评价："
    assert p.say("notice_next", window="9号窗口") == "下面的手续请到9号窗口办理。"


def test_a_line_whose_placeholders_are_all_empty_is_left_out():
    p = load_phrases(None)
    assert p.say("hours", hours="9:00-17:00", hotline="", address="") == "办公时间：9:00-17:00"
    assert p.lines("notice_fee", text="20元") == [[("收费标准：", True), ("20元", False)]]


def test_a_knowledge_folder_may_carry_its_own_phrases(tmp_path):
    path, _ = edited(tmp_path, "praise: 谢谢，这是我们应该做的。", "praise: 不客气。")
    assert load_phrases(tmp_path).say("praise") == "不客气。"
    assert load_phrases(tmp_path / "elsewhere").say("praise") == "谢谢，这是我们应该做的。"


def test_a_phrase_missing_from_the_halls_file_is_the_bundled_one_with_a_warning(tmp_path):
    path, text = edited(tmp_path, "  praise: 谢谢，这是我们应该做的。\n", "")
    assert problems(path) == [f"phrases.yaml:{line_of(text, 'phrases:')}: warning: phrase 'praise' "
                              "is missing; the bundled one is used"]
    assert load_phrases(tmp_path).say("praise") == "谢谢，这是我们应该做的。"


def test_unknown_phrase_is_a_warning_with_a_suggestion(tmp_path):
    path, text = edited(tmp_path, "  praise: ", "  prase: 好的\n  praise: ")
    assert problems(path) == [
        f"phrases.yaml:{line_of(text, 'prase')}: warning: unknown phrase 'prase' (did you mean 'praise'?)"]
    assert load_phrases(tmp_path).say("praise") == "谢谢，这是我们应该做的。"


def test_unknown_placeholder_names_its_line_and_the_allowed_ones(tmp_path):
    path, text = edited(tmp_path, "route: 对不起，这个问题请到{window}咨询。",
                        "route: 对不起，这个问题请到{windw}咨询。")
    line = line_of(text, "{windw}")
    assert problems(path) == [
        f"phrases.yaml:{line}: phrase 'route': unknown placeholder {{windw}} (did you mean "
        "'window'?); it may use {address}, {complaint_hotline}, {hall}, {hotline}, {hours}, {window}"]


def test_placeholder_inside_a_block_points_at_its_own_line(tmp_path):
    path, text = edited(tmp_path, "    咨询电话：{hotline}\n    地址：{address}",
                        "    咨询电话：{hotline}\n    地址：{adress}")
    assert problems(path)[0].startswith(f"phrases.yaml:{line_of(text, '{adress}')}: phrase 'hours': "
                                        "unknown placeholder {adress}")


def test_bad_braces_and_formats_are_errors(tmp_path):
    path, text = edited(tmp_path, "praise: 谢谢，这是我们应该做的。", "praise: 谢谢{，这是我们应该做的。")
    assert problems(path) == [f"phrases.yaml:{line_of(text, '谢谢{')}: phrase 'praise': bad braces "
                              "(expected '}' before end of string); write {{ and }} for a brace "
                              "that is not a placeholder"]
    path, text = edited(tmp_path, "greeting: 您好！欢迎来到{hall}。", "greeting: 您好！欢迎来到{hall!r}{}。")
    line = line_of(text, "{hall!r}")
    assert problems(path) == [
        f"phrases.yaml:{line}: phrase 'greeting': write the placeholder as {{hall}}, without '!' or ':'",
        f"phrases.yaml:{line}: phrase 'greeting': empty placeholder {{}}; use one of {{address}}, "
        "{complaint_hotline}, {hall}, {hotline}, {hours}"]


def test_a_required_placeholder_must_stay(tmp_path):
    path, text = edited(tmp_path, "route: 对不起，这个问题请到{window}咨询。",
                        "route: 对不起，这个问题请到综合窗口咨询。")
    assert problems(path) == [f"phrases.yaml:{line_of(text, 'route:')}: phrase 'route' must "
                              "contain the placeholder {window}"]


def test_the_phone_answer_must_keep_both_numbers(tmp_path):
    assert load_phrases(None).say("phone", hall="某中心", hotline="1", complaint_hotline="2",
                                  hours="9:00") == "好的，某中心的联系电话如下：\n咨询电话：1\n投诉电话：2\n办公时间：9:00"
    path, text = edited(tmp_path, "    投诉电话：{complaint_hotline}\n    办公时间：{hours}",
                        "    办公时间：{hours}")
    assert problems(path) == [f"phrases.yaml:{line_of(text, 'phone: |') + 1}: phrase 'phone' must "
                              "contain the placeholder {complaint_hotline}"]
    path, text = edited(tmp_path, "  phone: [电话是多少", "  phones: [电话是多少")
    words = line_of(text, "\nwords:") + 1
    assert problems(path) == [
        f"phrases.yaml:{words}: warning: word list 'phone' is missing; the bundled one is used",
        f"phrases.yaml:{line_of(text, 'phones:')}: warning: unknown word list 'phones' (did you "
        "mean 'phone'?)"]
    assert load_phrases(tmp_path).words["phone"] == load_phrases(None).words["phone"]


def test_rating_must_be_the_five_levels(tmp_path):
    path, text = edited(tmp_path, "  - 非常不满意\n", "")
    assert problems(path) == [f"phrases.yaml:{line_of(text, '  - 非常满意')}: 'rating' must list "
                              "the 5 different levels of 好差评, best first"]


def test_values_must_be_text(tmp_path):
    path, text = edited(tmp_path, "  done: 办完了", "  done: 12")
    assert problems(path) == [f"phrases.yaml:{line_of(text, 'done: 12')}: button 'done' must be "
                              "text, not a number or true/false (quote it)"]
    path, text = edited(tmp_path, "  goodbye: 请慢走，欢迎您再来！", "  goodbye:")
    assert problems(path) == [f"phrases.yaml:{line_of(text, '  goodbye:')}: phrase 'goodbye' must "
                              "be text, not empty"]
    path, text = edited(tmp_path, "  fee: [多少钱", "  fee: 多少钱\n  x: [多少钱")
    assert f"phrases.yaml:{line_of(text, 'fee: 多少钱')}: 'words.fee' must be a list, like [a, b]" \
        in problems(path)


def test_yaml_syntax_error_has_its_line(tmp_path):
    path, text = edited(tmp_path, "praise: 谢谢，这是我们应该做的。", "praise: 谢谢: 这是")
    assert problems(path) == [f"phrases.yaml:{line_of(text, '谢谢: 这是')}: YAML syntax error: "
                              "mapping values are not allowed in this context; a ': ' inside a value? put "
                              "the value in quotes"]


def test_check_command_reports_the_folders_phrases(tmp_path):
    folder = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    text = BUNDLED_TEXT.replace("  - ss-card-apply\n", "  - ss-card-aply\n").replace(
        "{window}咨询。", "{windw}咨询。")
    (folder / "phrases.yaml").write_text(text, encoding="utf-8")
    out = io.StringIO()
    assert check_main(folder, out) == 1
    assert out.getvalue().splitlines() == [
        f"phrases.yaml:{line_of(text, '{windw}')}: phrase 'route': unknown placeholder {{windw}} "
        "(did you mean 'window'?); it may use {address}, {complaint_hotline}, {hall}, {hotline}, "
        "{hours}, {window}",
        f"1 error, 0 warnings in {folder}/"]
    (folder / "phrases.yaml").write_text(text.replace("{windw}", "{window}"), encoding="utf-8")
    out = io.StringIO()
    assert check_main(folder, out) == 0
    assert out.getvalue().splitlines()[0] == (
        f"phrases.yaml:{line_of(text, 'ss-card-aply')}: warning: common item 'ss-card-aply' is "
        "not an item in guides/*.yaml (did you mean 'ss-card-apply'?)")


# -- a hall's own file over the bundled one ------------------------------------------------


PHONE_PHRASE = """\
  # 群众问电话号码（投诉电话是多少、你们电话多少）时，不算投诉：
  phone: |
    好的，{hall}的联系电话如下：
    咨询电话：{hotline}
    投诉电话：{complaint_hotline}
    办公时间：{hours}
"""
PHONE_WORDS = BUNDLED_TEXT[BUNDLED_TEXT.index("  # 问电话号码的说法"):BUNDLED_TEXT.index("  praise: [表扬")]


def older_halls_file() -> str:
    """A hall's phrases.yaml customised before this version: no phone phrase, no phone
    words, no /cancel description; its own greeting, praise and 办完了 button."""
    text = BUNDLED_TEXT
    for old, new in [(PHONE_PHRASE, ""), (PHONE_WORDS, ""), ("  cancel: 取消当前操作\n", ""),
                     ("greeting: 您好！欢迎来到{hall}。请问", "greeting: 您好！这里是{hall}，请问"),
                     ("praise: 谢谢，这是我们应该做的。", "praise: 不客气，为您服务是应该的。"),
                     ("  done: 办完了", "  done: 办好了")]:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def hall_folder(tmp_path: Path, phrases: str) -> Path:
    """The bundled hall (hall.yaml, guides) with its own phrases.yaml."""
    folder = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", folder, ignore=shutil.ignore_patterns("*.py", "__pycache__",
                                                                              "phrases.yaml"))
    (folder / "phrases.yaml").write_text(phrases, encoding="utf-8")
    return folder


def run_check(folder: Path) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = check_main(folder, out)
    return code, out.getvalue().splitlines()


def test_an_older_halls_file_loads_with_the_new_phrases_bundled(tmp_path):
    text = older_halls_file()
    folder = hall_folder(tmp_path, text)
    p = load_phrases(folder)
    # The hall's own wording where it wrote one ...
    assert p.say("greeting", hall="某中心") == "您好！这里是某中心，请问您要办理什么业务？"
    assert p.say("praise") == "不客气，为您服务是应该的。"
    assert p.buttons["done"] == "办好了"
    # ... and the bundled one for what this version added.
    assert p.say("phone", hall="某中心", hotline="1", complaint_hotline="2", hours="9:00") == \
        "好的，某中心的联系电话如下：\n咨询电话：1\n投诉电话：2\n办公时间：9:00"
    assert "电话是多少" in p.words["phone"]
    assert list(p.commands) == ["start", "help", "windows", "hours", "cancel"]  # Telegram's menu
    assert p.commands["cancel"] == "取消当前操作"
    assert p.common_items[0] == "id-card-renew"


def test_check_warns_of_each_key_the_hall_left_out_and_exits_0(tmp_path, run_bot):
    text = older_halls_file()
    folder = hall_folder(tmp_path, text)
    words = line_of(text, "\nwords:") + 1
    expected = [
        f"phrases.yaml:{line_of(text, 'phrases:')}: warning: phrase 'phone' is missing; "
        "the bundled one is used",
        f"phrases.yaml:{line_of(text, 'commands:')}: warning: command 'cancel' is missing; "
        "the bundled one is used",
        f"phrases.yaml:{words}: warning: word list 'phone' is missing; "
        "the bundled one is used"]
    code, lines = run_check(folder)
    assert code == 0
    assert lines[:-1] == expected
    assert lines[-1].endswith(" — 0 errors, 3 warnings")
    result = run_bot("check", "--knowledge", str(folder))
    assert (result.returncode, result.stdout.splitlines()) == (0, lines), result.stderr


def test_a_hall_that_writes_a_few_phrases_is_told_of_the_others_once(tmp_path):
    """Staff who change two sentences get one line about the rest, not one per phrase."""
    folder = hall_folder(tmp_path, "phrases:\n  greeting: 您好！这里是{hall}。\n  praise: 不客气。\n")
    code, lines = run_check(folder)
    assert code == 0
    missing = [line for line in lines if "phrases are missing" in line]
    assert len(missing) == 1
    assert missing[0].startswith(f"phrases.yaml:1: warning: {len(load_phrases(None).texts) - 2} phrases "
                                 "are missing; the bundled ones are used: ")
    named = missing[0].split("the bundled ones are used: ")[1].split(", ")
    assert "greeting" not in named and "praise" not in named and "route" in named
    assert not any("phrase '" in line for line in lines)
    assert load_phrases(folder).say("praise") == "不客气。"


def test_sections_the_hall_left_out_are_the_bundled_ones(tmp_path):
    """A hall that wrote only its sentences: the bundled buttons, commands, 好差评 levels and
    words; the 常办事项 menu is its base's (the bundled common items are the sample hall's)."""
    text = BUNDLED_TEXT[:BUNDLED_TEXT.index("# 按钮上的字")]
    folder = hall_folder(tmp_path, text)
    code, lines = run_check(folder)
    assert code == 0
    assert lines[:-1] == [
        "phrases.yaml:1: warning: 4 sections are missing; the bundled ones are used: buttons, "
        "commands, rating, words",
        "phrases.yaml:1: warning: section 'common_items' is missing; the 常办事项 menu shows the "
        "first items of guides/*.yaml"]
    p, bundled = load_phrases(folder), load_phrases(None)
    assert (p.buttons, p.commands, p.rating, p.words) == \
        (bundled.buttons, bundled.commands, bundled.rating, bundled.words)
    assert p.common_items == ()


def test_an_error_in_what_the_hall_wrote_still_stops_it(tmp_path, run_bot):
    text = older_halls_file().replace("{window}咨询。", "{windw}咨询。", 1)
    folder = hall_folder(tmp_path, text)
    code, lines = run_check(folder)
    assert code == 1
    assert lines == [
        f"phrases.yaml:{line_of(text, 'phrases:')}: warning: phrase 'phone' is missing; "
        "the bundled one is used",
        f"phrases.yaml:{line_of(text, '{windw}')}: phrase 'route': unknown placeholder {{windw}} "
        "(did you mean 'window'?); it may use {address}, {complaint_hotline}, {hall}, {hotline}, "
        "{hours}, {window}",
        f"phrases.yaml:{line_of(text, 'commands:')}: warning: command 'cancel' is missing; "
        "the bundled one is used",
        f"phrases.yaml:{line_of(text, chr(10) + 'words:') + 1}: warning: word list 'phone' is "
        "missing; the bundled one is used",
        f"1 error, 3 warnings in {folder}/"]
    with pytest.raises(KnowledgeError):
        load_phrases(folder)
    result = run_bot("check", "--knowledge", str(folder))
    assert (result.returncode, result.stdout.splitlines()) == (1, lines), result.stderr


@pytest.mark.parametrize("old, new, error", [
    ("  - 非常不满意\n", "", "'rating' must list the 5 different levels of 好差评, best first"),
    ("rating:\n  - 非常满意\n  - 满意\n  - 基本满意\n  - 不满意\n  - 非常不满意\n", "rating:\n",
     "'rating' must list the 5 different levels of 好差评, best first"),
    ("buttons:\n  common: 常办事项", "buttons: [常办事项]\nx:\n  common: 常办事项",
     "'buttons' must be a mapping of names to text"),
    ("  complaint: [投诉, 举报, 差评]", "  complaint: 投诉",
     "'words.complaint' must be a list, like [a, b]"),
    ("  - fund-withdraw-rent", "  - 12", "each entry of 'common_items' must be text, not a number "
                                         "or true/false (quote it)"),
])
def test_a_section_the_hall_wrote_must_be_right(tmp_path, old, new, error):
    """Written but wrong is an error, never quietly the bundled one."""
    path, _ = edited(tmp_path, old, new)
    assert any(line.endswith(": " + error) for line in problems(path)), problems(path)
    with pytest.raises(KnowledgeError):
        load_phrases(tmp_path)


@pytest.mark.parametrize("content, error", [
    (b"", "phrases.yaml:1: the file must be a mapping of sections: phrases, buttons, commands, "
          "rating, words, common_items"),
    (b"- greeting\n", "phrases.yaml:1: the file must be a mapping of sections: phrases, buttons, "
                      "commands, rating, words, common_items"),
    (b"phrases:\n  greeting: [\n", "phrases.yaml:3: YAML syntax error: did not find expected node "
                                   "content"),
])
def test_a_broken_halls_file_is_an_error_not_the_bundled_one(tmp_path, content, error):
    (tmp_path / "phrases.yaml").write_bytes(content)
    assert problems(tmp_path / "phrases.yaml")[0].startswith(error)
    with pytest.raises(KnowledgeError):
        load_phrases(tmp_path)
