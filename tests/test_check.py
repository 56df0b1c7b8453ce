"""The loader and ``bot.py check``: every mistake staff can make, reported as file:line."""
import io
import logging
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.check import main
from knowledge.load import KnowledgeError, Problem, load_base, read_base

ROOT = Path(__file__).resolve().parent.parent

HALL = textwrap.dedent("""\
    hall:
      name: 测试镇政务服务中心
      address: 人民路1号
    windows:
      - id: consult
        number: 1
        name: 综合咨询窗口
        default: true
      - id: hukou
        number: "3-4"
        name: 户政窗口
        topics: [户口, 身份证]
    """)

HUKOU = textwrap.dedent("""\
    - id: id-card
      title: 身份证申领
      window: hukou
      aliases: [办身份证]
      materials:
        - name: 户口簿
          detail: 原件
      fee: 20
    - id: hukou-move
      title: 户口迁移
      window: hukou
      materials:
        - 准迁证
      next: consult
    """)

MORE = textwrap.dedent("""\
    - id: hukou-move
      title: 迁户口
      window: hukou
      materials: [准迁证]
    """)

CLEAN = "测试镇政务服务中心: 2 items, 2 windows, 2 materials — 0 errors, 0 warnings"


def edit(text: str, old: str, new: str) -> str:
    """Replace ``old`` (which must be there, or the test would silently test nothing)."""
    assert old in text, old
    return text.replace(old, new, 1)


def make_base(tmp_path: Path, hall: str | bytes | None = HALL,
              guides: dict[str, str | bytes] | None = None) -> Path:
    """A knowledge folder with hall.yaml (None: no file) and guides/NAME files."""
    folder = tmp_path / "knowledge"
    (folder / "guides").mkdir(parents=True)
    files = {"hall.yaml": hall} | {f"guides/{n}": t for n, t in
                                   (guides if guides is not None else {"hukou.yaml": HUKOU}).items()}
    for name, content in files.items():
        if content is not None:
            data = content.encode("utf-8") if isinstance(content, str) else content
            (folder / name).write_bytes(data)
    return folder


def check(folder: Path) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = main(folder, out)
    return code, out.getvalue().splitlines()


def failed(folder: Path, *problems: str, warnings: int = 0) -> list[str]:
    """What check prints for a base with these problems."""
    errors = len(problems) - warnings
    counts = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    return [*problems, f"{counts} in {folder}/"]


# -- a clean base ----------------------------------------------------------------------


def test_clean_base_exits_0_with_the_summary(tmp_path):
    assert check(make_base(tmp_path)) == (0, [CLEAN])


def test_clean_base_loads_into_typed_objects(tmp_path):
    folder = make_base(tmp_path)
    base = load_base(folder, use_cache=False)
    assert base.stats == {"items": 2, "windows": 2, "materials": 2}
    assert base.folder == folder
    assert base.hall.name == "测试镇政务服务中心"
    assert [w.number for w in base.windows.values()] == [1, "3-4"]
    assert base.default_window.id == "consult"
    card, move = base.items.values()
    assert card.source == "guides/hukou.yaml:1" and move.source == "guides/hukou.yaml:9"
    assert card.aliases == ("办身份证",) and card.fee == "20"  # a number kept as text
    assert (card.materials[0].name, card.materials[0].detail) == ("户口簿", "原件")
    assert move.materials[0].name == "准迁证"  # a material written as plain text
    assert move.next == "consult" and move.conditions == ""


def test_anchors_and_merge_keys_are_read(tmp_path):
    guide = textwrap.dedent("""\
        - &card
          id: id-card
          title: 身份证申领
          window: hukou
          materials: &papers
            - name: 户口簿
        - <<: *card
          id: id-card-lost
          title: 身份证补领
          keywords: [补办]
        """)
    base = load_base(make_base(tmp_path, guides={"hukou.yaml": guide}), use_cache=False)
    lost = base.items["id-card-lost"]
    assert (lost.title, lost.window, lost.keywords) == ("身份证补领", "hukou", ("补办",))
    assert lost.materials == base.items["id-card"].materials


def test_empty_optional_values_are_fine(tmp_path):
    guides = {"hukou.yaml": edit(HUKOU, "  fee: 20\n", "  fee:\n  aliases:\n  basis: ''\n")}
    guides["hukou.yaml"] = edit(guides["hukou.yaml"], "  aliases: [办身份证]\n", "")
    assert check(make_base(tmp_path, guides=guides)) == (0, [CLEAN])


# -- each mistake, with its exact line ---------------------------------------------------


def test_yaml_syntax_error_reports_its_line(tmp_path):
    folder = make_base(tmp_path, guides={"hukou.yaml": edit(HUKOU, "身份证申领", "身份证申领: 首次")})
    assert check(folder) == (1, failed(
        folder, "guides/hukou.yaml:2: YAML syntax error: mapping values are not allowed in "
                "this context; a ': ' inside a value? put the value in quotes"))


def test_unclosed_bracket_names_where_it_opened(tmp_path):
    folder = make_base(tmp_path, guides={"hukou.yaml": edit(HUKOU, "[办身份证]", "[办身份证")})
    assert check(folder) == (1, failed(
        folder, "guides/hukou.yaml:5: YAML syntax error: did not find expected ',' or ']' "
                "(while parsing a flow sequence at line 4)"))


def test_missing_required_fields(tmp_path):
    hall = edit(edit(HALL, "  name: 测试镇政务服务中心\n", ""), "    number: 1\n", "")
    guide = edit(edit(HUKOU, "  title: 身份证申领\n", ""), "    - name: 户口簿\n      detail",
                 "    - detail")
    folder = make_base(tmp_path, hall=hall, guides={"hukou.yaml": guide})
    assert check(folder) == (1, failed(
        folder,
        "hall.yaml:1: the hall has no 'name'",
        "hall.yaml:4: window 'consult' has no 'number'",
        "guides/hukou.yaml:1: item 'id-card' has no 'title'",
        "guides/hukou.yaml:5: material has no 'name'"))


def test_duplicate_item_id_in_one_file(tmp_path):
    folder = make_base(tmp_path, guides={"hukou.yaml": edit(HUKOU, "id: hukou-move", "id: id-card")})
    assert check(folder) == (1, failed(
        folder, "guides/hukou.yaml:9: duplicate item id 'id-card' (first at guides/hukou.yaml:1)"))


def test_duplicate_item_id_across_files(tmp_path):
    folder = make_base(tmp_path, guides={"hukou.yaml": HUKOU, "more.yaml": MORE})
    assert check(folder) == (1, failed(
        folder,
        "guides/more.yaml:1: duplicate item id 'hukou-move' (first at guides/hukou.yaml:9)"))


def test_duplicate_window_id(tmp_path):
    folder = make_base(tmp_path, hall=edit(HALL, "id: hukou", "id: consult"))
    assert check(folder) == (1, failed(
        folder,
        "hall.yaml:9: duplicate window id 'consult' (first at hall.yaml:5)",
        "guides/hukou.yaml:3: window 'hukou' is not a window in hall.yaml",
        "guides/hukou.yaml:11: window 'hukou' is not a window in hall.yaml"))


def test_window_naming_no_window(tmp_path):
    guide = edit(edit(HUKOU, "window: hukou", "window: hukuo"), "window: hukou", "window: 1")
    folder = make_base(tmp_path, guides={"hukou.yaml": guide})
    assert check(folder) == (1, failed(
        folder,
        "guides/hukou.yaml:3: window 'hukuo' is not a window in hall.yaml (did you mean 'hukou'?)",
        # staff wrote the number over the counter instead of the window's id
        "guides/hukou.yaml:11: window '1' is not a window in hall.yaml (did you mean 'consult'?)"))


def test_next_naming_no_window(tmp_path):
    folder = make_base(tmp_path, guides={"hukou.yaml": edit(HUKOU, "next: consult", "next: tax")})
    assert check(folder) == (1, failed(
        folder, "guides/hukou.yaml:14: next 'tax' is not a window in hall.yaml"))


def test_no_default_window(tmp_path):
    folder = make_base(tmp_path, hall=edit(HALL, "    default: true\n", ""))
    assert check(folder) == (1, failed(
        folder, "hall.yaml:4: no default window: mark exactly one window 'default: true' "
                "(where anything else goes)"))


def test_two_default_windows_are_named(tmp_path):
    folder = make_base(tmp_path, hall=HALL + "    default: true\n")
    assert check(folder) == (1, failed(
        folder, "hall.yaml:13: several default windows: 'consult' (line 8), 'hukou' (line 13); "
                "exactly one may be default"))


def test_empty_materials(tmp_path):
    guide = edit(HUKOU, "  materials:\n    - name: 户口簿\n      detail: 原件\n", "  materials: []\n")
    guide = edit(guide, "  materials:\n    - 准迁证\n", "  materials:\n")
    folder = make_base(tmp_path, guides={"hukou.yaml": guide})
    assert check(folder) == (1, failed(
        folder,
        "guides/hukou.yaml:5: 'materials' is empty: list at least one material with a 'name'",
        "guides/hukou.yaml:10: 'materials' is empty: list at least one material with a 'name'"))


def test_missing_materials(tmp_path):
    guide = edit(HUKOU, "  materials:\n    - 准迁证\n", "")
    folder = make_base(tmp_path, guides={"hukou.yaml": guide})
    assert check(folder) == (1, failed(folder, "guides/hukou.yaml:9: item 'hukou-move' has no 'materials'"))


def test_text_where_a_list_belongs(tmp_path):
    guide = edit(HUKOU, "aliases: [办身份证]", "aliases: 身份证")
    folder = make_base(tmp_path, hall=edit(HALL, "topics: [户口, 身份证]", "topics: 户口"),
                       guides={"hukou.yaml": guide})
    assert check(folder) == (1, failed(
        folder,
        "hall.yaml:12: 'topics' must be a list, not text (write [户口])",
        "guides/hukou.yaml:4: 'aliases' must be a list, not text (write [身份证])"))


def test_number_as_title(tmp_path):
    folder = make_base(tmp_path, guides={"hukou.yaml": edit(HUKOU, "title: 身份证申领", "title: 123")})
    assert check(folder) == (1, failed(
        folder, "guides/hukou.yaml:2: 'title' must be text, not a number (quote it: \"123\")"))


def test_wrong_types(tmp_path):
    hall = edit(edit(HALL, "number: 1", "number: true"), "default: true", "default: 是")
    guide = edit(HUKOU, "  fee: 20\n", "  fee: [20, 30]\n  steps: {取号: 1}\n")
    guide = edit(guide, "    - 准迁证\n", "    - [准迁证]\n    - 42\n")
    folder = make_base(tmp_path, hall=hall, guides={"hukou.yaml": guide})
    assert check(folder) == (1, failed(
        folder,
        "hall.yaml:4: no default window: mark exactly one window 'default: true' "
        "(where anything else goes)",
        "hall.yaml:6: 'number' must be a whole number or text like \"3-4\", not true/false",
        "hall.yaml:8: 'default' must be true or false, not text",
        "guides/hukou.yaml:8: 'fee' must be text, not a list",
        "guides/hukou.yaml:9: 'steps' must be a list, not a mapping",
        "guides/hukou.yaml:14: a material must be a mapping of 'key: value' lines, not a list",
        "guides/hukou.yaml:15: 'material' must be text, not a number (quote it: \"42\")"))


def test_bad_ids(tmp_path):
    folder = make_base(tmp_path, hall=edit(HALL, "id: consult", "id: Consult"),
                       guides={"hukou.yaml": edit(HUKOU, "id: id-card", "id: id_card")})
    code, lines = check(folder)
    assert code == 1
    assert lines[:2] == ["hall.yaml:5: id 'Consult' may only use a-z, 0-9 and '-'",
                         "guides/hukou.yaml:1: id 'id_card' may only use a-z, 0-9 and '-'"]


def test_duplicate_key(tmp_path):
    folder = make_base(tmp_path, guides={"hukou.yaml": HUKOU + "  title: 又一个\n"})
    assert check(folder) == (1, failed(
        folder, "guides/hukou.yaml:15: duplicate key 'title' (first at line 10)"))


def test_unknown_key_is_an_error_only_when_a_required_field_goes_missing(tmp_path):
    guide = edit(HUKOU, "  materials:\n    - name: 户口簿", "  matrials:\n    - name: 户口簿")
    folder = make_base(tmp_path, guides={"hukou.yaml": guide})
    assert check(folder) == (1, failed(
        folder,
        "guides/hukou.yaml:1: item 'id-card' has no 'materials'",
        "guides/hukou.yaml:5: warning: unknown key 'matrials' (did you mean 'materials'?)",
        warnings=1))


def test_unknown_key_alone_is_a_warning(tmp_path):
    folder = make_base(tmp_path, guides={"hukou.yaml": edit(HUKOU, "fee: 20", "feee: 20")})
    assert check(folder) == (0, [
        "guides/hukou.yaml:8: warning: unknown key 'feee' (did you mean 'fee'?)",
        CLEAN.replace("0 warnings", "1 warning")])


def test_binary_file(tmp_path):
    folder = make_base(tmp_path, guides={"hukou.yaml": HUKOU,
                                         "logo.yaml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"})
    assert check(folder) == (1, failed(
        folder, "guides/logo.yaml:1: not valid UTF-8 (byte 0x89 at column 1): save the file as UTF-8"))


def test_invalid_utf8_reports_its_line(tmp_path):
    gbk = HUKOU.encode("utf-8").replace("身份证申领".encode("utf-8"), "身份证申领".encode("gbk"))
    folder = make_base(tmp_path, guides={"hukou.yaml": gbk})
    assert check(folder) == (1, failed(
        folder, "guides/hukou.yaml:2: not valid UTF-8 (byte 0xc9 at column 10): save the file as UTF-8"))


def test_control_character(tmp_path):
    folder = make_base(tmp_path, guides={"hukou.yaml": edit(HUKOU, "户口迁移", "户口\x00迁移")})
    assert check(folder) == (1, failed(
        folder, "guides/hukou.yaml:10: character #x0000 is not allowed in a YAML file "
                "(is this a text file?)"))


def test_empty_hall_file(tmp_path):
    folder = make_base(tmp_path, hall="")
    assert check(folder) == (1, failed(folder, "hall.yaml:1: the file is empty"))


def test_empty_guide_file_is_a_warning(tmp_path):
    folder = make_base(tmp_path, guides={"hukou.yaml": HUKOU, "empty.yaml": "# 待补充\n"})
    assert check(folder) == (0, [
        "guides/empty.yaml:1: warning: the file is empty: no items",
        CLEAN.replace("0 warnings", "1 warning")])


def test_list_as_hall_file(tmp_path):
    folder = make_base(tmp_path, hall="- name: 测试镇政务服务中心\n")
    assert check(folder) == (1, failed(
        folder, "hall.yaml:1: hall.yaml must be a mapping of 'key: value' lines, not a list"))


def test_hall_file_without_hall_or_windows(tmp_path):
    folder = make_base(tmp_path, hall="address: 人民路1号\n")
    assert check(folder) == (1, failed(
        folder,
        "hall.yaml:1: warning: unknown key 'address'",
        "hall.yaml:1: missing 'hall:' (the hall's name, address, hours...)",
        "hall.yaml:1: missing 'windows:' (the hall's counters)",
        warnings=1))


def test_mapping_where_a_list_of_items_belongs(tmp_path):
    folder = make_base(tmp_path, guides={"hukou.yaml": "id: id-card\ntitle: 身份证申领\n"})
    assert check(folder) == (1, failed(
        folder, "guides/hukou.yaml:1: a guide file must be a list of items ('- id: ...'), "
                "not a mapping"))


def test_ten_megabytes_of_text(tmp_path):
    folder = make_base(tmp_path, guides={"hukou.yaml": HUKOU,
                                         "big.yaml": "这是一段很长很长的文字\n" * 320_000})
    assert (folder / "guides/big.yaml").stat().st_size > 10_000_000
    assert check(folder) == (1, failed(
        folder, "guides/big.yaml:1: a guide file must be a list of items ('- id: ...'), not text"))


def test_billion_laughs_is_refused(tmp_path):
    lol = ["- &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lol += [f"- &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    folder = make_base(tmp_path, guides={"hukou.yaml": HUKOU, "lol.yaml": "\n".join(lol)})
    # a: 10 nodes, b: 91 ... f: 597,871, the first past the file's size + 100,000
    assert check(folder) == (1, failed(
        folder, "guides/lol.yaml:6: aliases expand this value to 597,871 values: "
                "refused (an alias bomb?)"))


def test_a_value_containing_itself(tmp_path):
    folder = make_base(tmp_path, guides={"hukou.yaml": HUKOU, "loop.yaml": "- &a [*a]\n"})
    assert check(folder) == (1, failed(
        folder, "guides/loop.yaml:1: this value contains itself through an alias"))


def test_python_tags_are_refused(tmp_path):
    evil = "- !!python/object/apply:os.system [touch pwned]\n- id: !custom x\n"
    folder = make_base(tmp_path, guides={"hukou.yaml": HUKOU, "evil.yaml": evil})
    assert check(folder) == (1, failed(
        folder,
        "guides/evil.yaml:1: tag '!!python/object/apply:os.system' is not allowed: "
        "write plain text, lists and mappings",
        "guides/evil.yaml:2: tag '!custom' is not allowed: write plain text, lists and mappings"))


def test_deeply_nested_yaml(tmp_path):
    folder = make_base(tmp_path, guides={"hukou.yaml": HUKOU, "deep.yaml": "[" * 50_000})
    code, lines = check(folder)
    assert code == 1
    assert lines[0].startswith("guides/deep.yaml:1: YAML syntax error: ")


def test_missing_hall_file(tmp_path):
    folder = make_base(tmp_path, hall=None)
    assert check(folder) == (1, failed(folder, "hall.yaml:0: file not found"))


def test_no_guides_folder(tmp_path):
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "hall.yaml").write_text(HALL, encoding="utf-8")
    assert check(folder) == (1, failed(
        folder, "guides:0: folder not found: service items belong in guides/*.yaml"))


def test_no_items(tmp_path):
    folder = make_base(tmp_path, guides={"notes.yml": HUKOU})
    assert check(folder) == (1, failed(
        folder,
        "guides:0: no service items in guides/*.yaml",
        "guides/notes.yml:0: warning: ignored: guide files must end in .yaml",
        warnings=1))


def test_several_problems_are_all_reported_in_one_run(tmp_path):
    hall = edit(HALL, "    default: true\n", "")
    guide = edit(edit(HUKOU, "title: 身份证申领", "title: 123"), "fee: 20", "fe: 20")
    folder = make_base(tmp_path, hall=hall, guides={"hukou.yaml": guide, "more.yaml": MORE})
    assert check(folder) == (1, failed(
        folder,
        "hall.yaml:4: no default window: mark exactly one window 'default: true' "
        "(where anything else goes)",
        "guides/hukou.yaml:2: 'title' must be text, not a number (quote it: \"123\")",
        "guides/hukou.yaml:8: warning: unknown key 'fe' (did you mean 'fee'?)",
        "guides/more.yaml:1: duplicate item id 'hukou-move' (first at guides/hukou.yaml:9)",
        warnings=1))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                 lambda kids: st.lists(kids, max_size=4)
                 | st.dictionaries(st.sampled_from(["id", "title", "window", "materials", "name",
                                                    "hall", "windows", "next", "x"]), kids,
                                   max_size=5),
                 max_leaves=20).map(lambda v: yaml.safe_dump(v, allow_unicode=True))))
def test_no_traceback_whatever_a_file_holds(tmp_path, data):
    """A regression net for 'never a traceback': any content, as hall.yaml or a guide."""
    folder = tmp_path / "knowledge"
    if not folder.exists():
        folder = make_base(tmp_path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    for name, original in (("hall.yaml", HALL), ("guides/hukou.yaml", HUKOU)):
        (folder / name).write_bytes(raw)
        code, lines = check(folder)
        assert code in (0, 1) and lines
        (folder / name).write_text(original, encoding="utf-8")


# -- load_base: errors, warnings and the cache -----------------------------------------------


def test_load_base_raises_with_every_problem(tmp_path):
    hall = edit(HALL, "    default: true\n", "")
    folder = make_base(tmp_path, hall=hall, guides={"hukou.yaml": edit(HUKOU, "fee: 20", "fe: 20")
                                                    .replace("title: 身份证申领", "title: 123")})
    with pytest.raises(KnowledgeError) as caught:
        load_base(folder)
    assert str(caught.value) == ("hall.yaml:4: no default window: mark exactly one window "
                                 "'default: true' (where anything else goes) (and 1 more)")
    assert [p.severity for p in caught.value.problems] == ["error", "error", "warning"]


def test_problem_str():
    assert str(Problem("hall.yaml", 3, "oops")) == "hall.yaml:3: oops"
    assert str(Problem("guides/a.yaml", 7, "hm", "warning")) == "guides/a.yaml:7: warning: hm"


def test_load_base_logs_warnings(tmp_path, caplog, monkeypatch):
    monkeypatch.setenv("CHUANGKOU_CACHE_DIR", str(tmp_path / "cache"))
    folder = make_base(tmp_path, guides={"hukou.yaml": edit(HUKOU, "fee: 20", "feee: 20")})
    for _ in range(2):  # a cache hit logs them too
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="knowledge.load"):
            load_base(folder)
        assert [r.getMessage() for r in caplog.records] == [
            "guides/hukou.yaml:8: warning: unknown key 'feee' (did you mean 'fee'?)"]


def test_cache_is_used_only_while_every_file_is_unchanged(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("CHUANGKOU_CACHE_DIR", str(cache))
    folder = make_base(tmp_path)
    assert load_base(folder).items["id-card"].title == "身份证申领"
    [pickled] = cache.iterdir()
    assert not list(folder.rglob("*.pickle"))  # never in the knowledge folder

    # A hit does not read the YAML: prove it by making a full read impossible.
    monkeypatch.setattr("knowledge.load.read_base", lambda folder: pytest.fail("not cached"))
    assert load_base(folder).folder == folder
    monkeypatch.undo()
    monkeypatch.setenv("CHUANGKOU_CACHE_DIR", str(cache))

    guide = folder / "guides/hukou.yaml"
    guide.write_text(edit(HUKOU, "身份证申领", "身份证首次申领"), encoding="utf-8")
    assert load_base(folder).items["id-card"].title == "身份证首次申领"

    (folder / "guides/more.yaml").write_text(MORE, encoding="utf-8")  # a new file: a miss
    with pytest.raises(KnowledgeError):
        load_base(folder)

    (folder / "guides/more.yaml").unlink()
    pickled.write_bytes(b"not a pickle")  # a broken cache: a full read, no error
    assert load_base(folder).items["id-card"].title == "身份证首次申领"


# -- the real bases ----------------------------------------------------------------------


def test_bundled_base_is_clean():
    code, lines = check(ROOT / "knowledge")
    assert code == 0, "\n".join(lines)
    assert lines[-1].endswith("— 0 errors, 0 warnings"), "\n".join(lines)


EVAL = ROOT.parent / "shared" / "eval" / "dev" / "knowledge"


@pytest.mark.skipif(not EVAL.is_dir(), reason="the evaluation hall is not checked out here")
def test_evaluation_base_is_clean():
    code, lines = check(EVAL)
    assert code == 0, "\n".join(lines)


def test_bot_check_command(tmp_path, run_bot):
    folder = make_base(tmp_path, guides={"hukou.yaml": edit(HUKOU, "next: consult", "next: tax")})
    result = run_bot("check", "--knowledge", str(folder))
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == failed(
        folder, "guides/hukou.yaml:14: next 'tax' is not a window in hall.yaml")
    clean = run_bot("check", "--knowledge", str(make_base(tmp_path / "clean")))
    assert (clean.returncode, clean.stdout.splitlines()) == (0, [CLEAN])


def test_missing_knowledge_folder(tmp_path):
    folder = tmp_path / "nowhere"
    assert check(folder) == (1, failed(folder, f"{folder}:0: knowledge folder not found"))
