"""The standard phrases (标准用语) staff edit in ``phrases.yaml``, read and checked.

Every sentence a citizen reads comes from this file, so that no Chinese text for citizens
hides in the code. The schema below says which keys there are and which placeholders each
phrase may use; ``python bot.py check`` reports every departure as ``file:line``.

The bundled file beside this module must have every key. A knowledge folder may carry its
own ``phrases.yaml``, which overrides the bundled one key by key: a phrase, button label,
command description, word list or section (``rating``) it leaves out is the bundled one,
with a warning, so a hall that customised its phrases still starts after an upgrade adds
a phrase. Whatever the hall did write is checked as strictly as the bundled file. Its
``common_items`` (ids of its own items) are never taken from the bundled file, which names
the sample hall's: without them the 常办事项 menu shows the base's first items. Without
its own file, a folder uses the bundled one as it is.

Example::

    >>> phrases = load_phrases(BUNDLED.parent)
    >>> phrases.say("praise")
    '谢谢，这是我们应该做的。'
"""
from __future__ import annotations

import difflib
import logging
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from knowledge.load import KnowledgeError, Problem

log = logging.getLogger(__name__)

BUNDLED = Path(__file__).with_name("phrases.yaml")
FILE = "phrases.yaml"

# Placeholders every phrase may use: the hall's own facts.
HALL_FIELDS = ("hall", "address", "hours", "hotline", "complaint_hotline")


@dataclass(frozen=True)
class Fields:
    """The placeholders of one phrase beyond the hall's: those it must and may use."""

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


_TEXT = Fields(required=("text",))
_WINDOW = Fields(required=("window",))
PHRASES: dict[str, Fields] = {
    "greeting": Fields(),
    "greeting_short": Fields(),
    "help": Fields(),
    "hours": Fields(),
    "windows": Fields(optional=("count",)),
    "window": Fields(required=("number",), optional=("name", "location")),
    "window_no_location": Fields(required=("number",), optional=("name",)),
    "notice_window": _WINDOW,
    "notice_materials": Fields(),
    "notice_material": Fields(required=("name",), optional=("number",)),
    "notice_material_when": Fields(required=("when",)),
    "notice_material_detail": Fields(required=("detail",)),
    "notice_conditions": _TEXT,
    "notice_fee": _TEXT,
    "notice_time_limit": _TEXT,
    "notice_steps": _TEXT,
    "notice_step_separator": Fields(),
    "notice_next": _WINDOW,
    "notice_basis": _TEXT,
    "notice_hours": Fields(),
    "notice_fee_unknown": Fields(optional=("window",)),
    "notice_time_limit_unknown": Fields(optional=("window",)),
    "choose": Fields(),
    "common_items": Fields(),
    "route": _WINDOW,
    "route_contact": Fields(),
    "route_suggest": Fields(),
    "more": Fields(),
    "complaint": Fields(),
    "suggestion": Fields(),
    "praise": Fields(),
    # Its whole point is the numbers: a staff edit must not lose them.
    "phone": Fields(required=("hotline", "complaint_hotline")),
    "patience": Fields(),
    "rate": Fields(),
    "idle_end": Fields(),
    "rate_thanks": Fields(),
    "rate_reason": Fields(),
    "reason_thanks": Fields(),
    "rated_already": Fields(),
    "goodbye": Fields(),
    "already_done": Fields(),
    "already_shown": Fields(),
    "stale": Fields(),
    "not_text": Fields(),
    "no_words": Fields(),
    "edited": Fields(),
    "too_long": Fields(),
    "cancel": Fields(),
    "unknown_command": Fields(),
    "error": Fields(),
    "terminal_pick": Fields(),
    "report_refused": Fields(),
    "report_private": Fields(),
}
BUTTONS = ("common", "windows", "hours", "more", "done")
COMMANDS = ("start", "help", "windows", "hours", "cancel")
WORDS = ("hello", "goodbye", "filler", "complaint", "suggestion", "phone", "praise", "upset",
         "fee", "time_limit")
RATING_LEVELS = 5  # 政务服务"好差评": five levels, best first
COMMAND_DESCRIPTION_MAX = 256  # Telegram's limit
SECTIONS = ("phrases", "buttons", "commands", "rating", "words", "common_items")

Chunk = tuple[str, bool]  # (text, True if written by staff / False if a placeholder's value)


@dataclass(frozen=True)
class Phrases:
    """The phrases in use, checked: every key present (the hall's, else the bundled one),
    every placeholder known."""

    texts: Mapping[str, str]
    buttons: Mapping[str, str]
    commands: Mapping[str, str]
    rating: tuple[str, ...]  # best first: rating[0] is level 5
    words: Mapping[str, tuple[str, ...]]  # lower-cased
    common_items: tuple[str, ...] = ()
    source: str = ""
    lines_of: dict = field(default_factory=dict, repr=False, compare=False)  # parse cache

    def lines(self, key: str, **values: object) -> list[list[Chunk]]:
        """The phrase ``key`` filled in, line by line, as chunks of staff text and values.

        A line whose placeholders all come out empty is left out (a hall without an
        address has no "地址：" line)."""
        if key not in self.lines_of:
            self.lines_of[key] = [list(string.Formatter().parse(line))
                                  for line in self.texts[key].split("\n")]
        out = []
        for parsed in self.lines_of[key]:
            chunks: list[Chunk] = []
            fields = filled = 0
            for literal, name, _, _ in parsed:
                if literal:
                    chunks.append((literal, True))
                if name is not None:
                    fields += 1
                    value = str(values.get(name, "") or "")
                    if value:
                        filled += 1
                        chunks.append((value, False))
            if fields and not filled:
                continue
            out.append(chunks)
        return out

    def say(self, key: str, **values: object) -> str:
        """The phrase ``key`` as plain text."""
        return "\n".join("".join(t for t, _ in line) for line in self.lines(key, **values))

    def rating_label(self, level: int) -> str:
        """The label of ``level`` (5 = the best, 1 = the worst)."""
        return self.rating[RATING_LEVELS - level]


def phrases_file(folder: Path | None) -> Path:
    """The knowledge folder's own phrases.yaml, or the bundled one."""
    if folder is not None and (Path(folder) / FILE).is_file():
        return Path(folder) / FILE
    return BUNDLED


def display_path(path: Path, folder: Path | None) -> str:
    """How problems name the file: relative to the knowledge folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path(folder).resolve())) if folder else str(path)
    except ValueError:
        return str(path)


def load_phrases(folder: Path | None = None) -> Phrases:
    """The phrases for the knowledge ``folder``; raise KnowledgeError if they have errors,
    log their warnings (such as a key the hall's file lacks)."""
    phrases, problems = read_folder_phrases(folder)
    if phrases is None:
        raise KnowledgeError(problems)
    for problem in problems:
        log.warning("%s", problem)
    return phrases


def read_folder_phrases(folder: Path | None) -> tuple[Phrases | None, list[Problem]]:
    """The phrases for the knowledge ``folder`` (None if any error) and every problem: its
    own phrases.yaml over the bundled one, key by key, or the bundled one alone."""
    path = phrases_file(folder)
    bundled, problems = read_phrases(BUNDLED, display_path(BUNDLED, folder))
    if bundled is None or path.resolve() == BUNDLED.resolve():
        return bundled, problems
    phrases, own = read_phrases(path, display_path(path, folder), defaults=bundled)
    return phrases, problems + own


def read_phrases(path: Path, rel: str = FILE,
                 defaults: Phrases | None = None) -> tuple[Phrases | None, list[Problem]]:
    """Read and check one phrases file: the phrases (None if any error) and every problem.

    Without ``defaults`` (the bundled file) every key is required. With them (a hall's own
    file over the bundled phrases) a key the file leaves out is taken from ``defaults``,
    with a warning; ``common_items`` excepted, which stays empty."""
    reader = _Reader(rel, defaults)
    phrases = reader.read(Path(path))
    problems = sorted(reader.problems, key=lambda p: p.line)
    if any(p.severity == "error" for p in problems):
        return None, problems
    return phrases, problems


def check_common_items(phrases: Phrases, items: Mapping[str, object], rel: str,
                       lines: Mapping[str, int] | None = None) -> list[Problem]:
    """Warnings for common items that are not items of the base."""
    lines = lines or {}
    return [Problem(rel, lines.get(i, 0), f"common item '{i}' is not an item in guides/*.yaml"
                    + _did_you_mean(i, items), "warning")
            for i in phrases.common_items if i not in items]


def common_item_lines(path: Path) -> dict[str, int]:
    """Where each common item id is written, for check_common_items' messages."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return {}
    if not isinstance(root, MappingNode):
        return {}
    for key, value in root.value:
        if key.value == "common_items" and isinstance(value, SequenceNode):
            return {n.value: _line(n) for n in value.value if isinstance(n, ScalarNode)}
    return {}


# -- reading -----------------------------------------------------------------------------


_STR = "tag:yaml.org,2002:str"


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _plural(what: str) -> str:
    """phrase → phrases, word list → word lists, command → commands."""
    return what + "es" if what.endswith(("s", "sh", "ch")) else what + "s"


def _did_you_mean(word: str, known) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Reader:
    def __init__(self, rel: str, defaults: Phrases | None = None):
        self.rel = rel
        self.defaults = defaults  # where a missing key is taken from; None: none may miss
        self.problems: list[Problem] = []

    def error(self, line: int, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.rel, line, message, severity))

    def missing(self, line: int, what: str, names: list[str]) -> None:
        """Keys ``names`` are not in the file: an error each, or the bundled ones are used,
        in one warning (a hall that writes three phrases is not told of fifty others)."""
        if self.defaults is None:
            for name in names:
                self.error(line, f"missing {what} '{name}'")
        elif len(names) == 1:
            self.error(line, f"{what} '{names[0]}' is missing; the bundled one is used", "warning")
        elif names:
            self.error(line, f"{len(names)} {_plural(what)} are missing; the bundled ones are used: "
                             + ", ".join(names), "warning")

    def read(self, path: Path) -> Phrases | None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            self.error(0, "file not found")
            return None
        except (OSError, UnicodeDecodeError) as e:
            self.error(0, f"cannot read the file as UTF-8 text: {e}")
            return None
        try:
            root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            message = f"YAML syntax error: {e.problem or e.context}"
            if e.problem and e.problem.startswith("mapping values are not allowed"):
                message += "; a ': ' inside a value? put the value in quotes"
            self.error(mark.line + 1 if mark else 1, message)
            return None
        except yaml.YAMLError as e:
            self.error(1, f"YAML error: {e}")
            return None
        if not isinstance(root, MappingNode):
            self.error(1 if root is None else _line(root),
                       "the file must be a mapping of sections: " + ", ".join(SECTIONS))
            return None
        d = self.defaults
        # A hall's common items are its own: the bundled ones name the sample hall's items.
        sections = self._mapping(root, SECTIONS, "section", required=tuple(
            s for s in SECTIONS if d is None or s != "common_items"))
        if d is not None and "common_items" not in sections:
            self.error(1, "section 'common_items' is missing; the 常办事项 menu shows the "
                          "first items of guides/*.yaml", "warning")
        phrases = self._phrases(sections.get("phrases"))
        buttons = self._labels(sections.get("buttons"), "buttons", BUTTONS)
        commands = self._labels(sections.get("commands"), "commands", COMMANDS,
                                max_length=COMMAND_DESCRIPTION_MAX)
        rating = self._rating(sections.get("rating"))
        words = self._words(sections.get("words"))
        common = self._text_list(sections["common_items"][1], "common_items") \
            if "common_items" in sections else ()
        if any(p.severity == "error" for p in self.problems):
            return None
        words = {k: tuple(w.casefold() for w in v) for k, v in words.items()}
        if d is not None:  # what the file leaves out (each reported as missing) is the bundled
            phrases, buttons, commands, words = (
                _over(own, bundled) for own, bundled in
                ((phrases, d.texts), (buttons, d.buttons), (commands, d.commands), (words, d.words)))
            rating = rating if "rating" in sections else d.rating
        return Phrases(texts=phrases, buttons=buttons, commands=commands, rating=rating,
                       words=words, common_items=common or (), source=self.rel)

    def _mapping(self, node: Node, known: tuple[str, ...], what: str,
                 required: tuple[str, ...] = (), at: int = 1) -> dict[str, tuple[Node, Node]]:
        """A mapping's entries by key; unknown keys are warnings, missing required ones
        reported by ``missing`` (on line ``at``: the section's key)."""
        out: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else None
            if name is None:
                self.error(_line(key), f"a {what} name must be text")
            elif name in out:
                self.error(_line(key), f"duplicate {what} '{name}' "
                                       f"(first at line {_line(out[name][0])})")
            elif name not in known:
                self.error(_line(key), f"unknown {what} '{name}'"
                           + _did_you_mean(name, known), "warning")
            else:
                out[name] = (key, value)
        self.missing(at, what, [name for name in required if name not in out])
        return out

    def _text(self, node: Node, where: str) -> str | None:
        """A scalar written as text (a number or true/false must be quoted)."""
        if isinstance(node, ScalarNode) and node.tag == _STR and node.value.strip():
            return node.value.strip("\n")
        if isinstance(node, ScalarNode):
            kind = "empty" if not node.value.strip() else "a number or true/false (quote it)"
        else:
            kind = "a list" if isinstance(node, SequenceNode) else "a mapping"
        self.error(_line(node), f"{where} must be text, not {kind}")
        return None

    def _phrases(self, entry: tuple[Node, Node] | None) -> dict[str, str]:
        if entry is None:
            return {}
        key, node = entry
        if not isinstance(node, MappingNode):
            self.error(_line(node), "'phrases' must be a mapping of phrase names to text")
            return {}
        out = {}
        for name, (_, v) in self._mapping(node, tuple(PHRASES), "phrase", required=tuple(PHRASES),
                                           at=_line(key)).items():
            text = self._text(v, f"phrase '{name}'")
            # A block (|) starts on the line after its key.
            first = _line(v) + (v.style in ("|", ">"))
            if text is not None and self._placeholders(name, text, first):
                out[name] = text
        return out

    def _placeholders(self, name: str, text: str, line: int) -> bool:
        """Every placeholder of phrase ``name`` known and plain, every required one there."""
        fields = PHRASES[name]
        allowed = set(HALL_FIELDS) | set(fields.required) | set(fields.optional)
        seen: set[str] = set()
        ok = True
        for offset, part in enumerate(text.split("\n")):
            at = line + offset
            try:
                parsed = list(string.Formatter().parse(part))
            except ValueError as e:
                self.error(at, f"phrase '{name}': bad braces ({e}); write {{{{ and }}}} "
                               "for a brace that is not a placeholder")
                ok = False
                continue
            for _, field_name, spec, conversion in parsed:
                if field_name is None:
                    continue
                if field_name == "" or field_name.isdecimal():
                    self.error(at, f"phrase '{name}': empty placeholder {{{field_name}}}; "
                                   f"use one of {_names(allowed)}")
                    ok = False
                elif field_name not in allowed:
                    self.error(at, f"phrase '{name}': unknown placeholder {{{field_name}}}"
                               + _did_you_mean(field_name, allowed)
                               + f"; it may use {_names(allowed)}")
                    ok = False
                elif spec or conversion:
                    self.error(at, f"phrase '{name}': write the placeholder as "
                                   f"{{{field_name}}}, without '!' or ':'")
                    ok = False
                seen.add(field_name)
        if ok:
            for missing in (f for f in fields.required if f not in seen):
                self.error(line, f"phrase '{name}' must contain the placeholder {{{missing}}}")
                ok = False
        return ok

    def _labels(self, entry, section: str, keys: tuple[str, ...],
                max_length: int | None = None) -> dict[str, str]:
        if entry is None:
            return {}
        key, node = entry
        if not isinstance(node, MappingNode):
            self.error(_line(node), f"'{section}' must be a mapping of names to text")
            return {}
        out = {}
        for name, (_, v) in self._mapping(node, keys, section[:-1], required=keys,
                                           at=_line(key)).items():
            text = self._text(v, f"{section[:-1]} '{name}'")
            if text is None:
                continue
            if max_length and len(text) > max_length:
                self.error(_line(v), f"{section[:-1]} '{name}' is longer than "
                                     f"{max_length} characters")
                continue
            out[name] = text.strip()
        return out

    def _text_list(self, node: Node, where: str) -> tuple[str, ...] | None:
        if not isinstance(node, SequenceNode):
            if isinstance(node, ScalarNode) and not node.value.strip():
                return ()  # left empty: no entries
            self.error(_line(node), f"'{where}' must be a list, like [a, b]")
            return None
        texts = [self._text(n, f"each entry of '{where}'") for n in node.value]
        return None if None in texts else tuple(t.strip() for t in texts)

    def _rating(self, entry) -> tuple[str, ...]:
        if entry is None:
            return ()
        _, node = entry
        levels = self._text_list(node, "rating")
        if levels is None:
            return ()
        if len(levels) != RATING_LEVELS or len(set(levels)) != RATING_LEVELS:
            self.error(_line(node), f"'rating' must list the {RATING_LEVELS} different levels "
                                    "of 好差评, best first")
            return ()
        return levels

    def _words(self, entry) -> dict[str, tuple[str, ...]]:
        if entry is None:
            return {}
        key, node = entry
        if not isinstance(node, MappingNode):
            self.error(_line(node), "'words' must be a mapping of names to lists of words")
            return {}
        out = {}
        for name, (_, v) in self._mapping(node, WORDS, "word list", required=WORDS,
                                           at=_line(key)).items():
            words = self._text_list(v, f"words.{name}")
            if words is not None:
                out[name] = words
        return out


def _over(own: Mapping, bundled: Mapping) -> dict:
    """The file's entries in its order, then the bundled ones it left out."""
    return {**own, **{k: v for k, v in bundled.items() if k not in own}}


def _names(fields) -> str:
    return ", ".join(f"{{{f}}}" for f in sorted(fields))
