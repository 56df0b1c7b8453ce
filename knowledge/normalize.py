"""Normalisation of citizens' Chinese: the same question, however it is typed, reads the same.

Traditional → Simplified is OpenCC's job (its dictionaries know far more than any table
we could keep); full-width → half-width and case are Unicode's (NFKC, casefold).
Homophone typos (身分证, 公基金, 户口签移) are not corrected here: the matcher compares
pinyin as well as characters, so they match without a list of misspellings.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc
import importlib.metadata
import importlib.util

_t2s = opencc.OpenCC("t2s")

# What a citizen says around the question, not the question itself. Longest first, so
# that 我想问一下 goes whole before 问一下 is looked for.
FILLERS = sorted(
    (
        "请问一下", "请问", "你好", "您好", "在吗", "在不在", "我想问一下", "想问一下",
        "问一下", "咨询一下", "打听一下", "谢谢", "多谢", "麻烦你", "麻烦您", "麻烦",
        "不好意思", "打扰了", "打扰一下", "那个", "这个", "就是", "嗯嗯", "嗯", "哈哈", "哦",
        "呃", "额", "啊", "呀", "吧", "呢", "哈", "啦", "嘛", "咯",
    ),
    key=len,
    reverse=True,
)
_FILLER_RE = re.compile("|".join(map(re.escape, FILLERS)))

# Keep Han characters, Latin letters and digits; everything else (punctuation, emoji,
# spaces, symbols) separates runs of text.
_KEEP = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffa-z0-9]+")


def simplify(text: str) -> str:
    """Full-width → half-width, lower case, Traditional → Simplified. Punctuation stays."""
    return _t2s.convert(unicodedata.normalize("NFKC", text).casefold())


def runs(text: str, drop_fillers: bool = True) -> list[str]:
    """The question as runs of meaningful characters, fillers and punctuation removed."""
    text = simplify(text)
    if drop_fillers:
        text = _FILLER_RE.sub(" ", text)
    return _KEEP.findall(text)


def normalize(text: str) -> str:
    """One string: what the question is about, as the matcher reads it."""
    return " ".join(runs(text))


def _pinyin_table() -> dict[int, str]:
    """pypinyin's character table (code point -> "pīn,yīn" readings).

    Read from its data module alone: importing the package also loads its phrase
    dictionary, ~55 MB we do not need to compare single characters' sounds.
    """
    dist = importlib.metadata.distribution("pypinyin")
    path = next(dist.locate_file(f) for f in dist.files or () if f.name == "pinyin_dict.py")
    spec = importlib.util.spec_from_file_location("_pypinyin_table", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.pinyin_dict


_PINYIN = _pinyin_table()


@lru_cache(maxsize=65536)
def pinyin_of(char: str) -> str:
    """The toneless pinyin of one character's first reading (the character if none).

    The same character always gets the same sound, which is all a comparison needs:
    身分证 and 身份证 both read shen fen zheng.
    """
    readings = _PINYIN.get(ord(char))
    if not readings:
        return char
    first = unicodedata.normalize("NFD", readings.split(",")[0])
    return "".join(c for c in first if not unicodedata.combining(c))
