"""Read the staff's YAML knowledge base into typed objects, reporting every problem.

The format is described in ``knowledge-format.md``: ``hall.yaml`` (the hall and its
windows) and ``guides/*.yaml`` (lists of service items).

We compose YAML *nodes* (libyaml when available) rather than Python objects, so every
problem points at the line of the offending key or value, and nothing is ever
constructed from a tag: ``!!python/object`` and any other non-plain tag is refused.

Accepted beyond the format, because the meaning is unambiguous:

- a material written as plain text (``- 户口簿``) is a material with only a name;
- numbers and dates in optional text fields (``fee: 20``) are kept as written;
- YAML anchors, aliases and merge keys (``<<: *common``), within a file.

Refused, because staff most likely meant something else: a number as a title or name
(quote it), text where a list belongs (``aliases: 身份证`` — write ``[身份证]``),
true/false where text belongs.

Unknown keys are warnings, not errors, so a misspelt optional field is flagged
without stopping the hall.
"""
from __future__ import annotations

import difflib
import gc
import hashlib
import logging
import os
import pickle
import re
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from knowledge.model import Base, Hall, Item, Material, Window

log = logging.getLogger(__name__)

# libyaml composes nodes ~10x faster than PyYAML's pure-Python composer.
_C_YAML = hasattr(yaml, "CSafeLoader")
_Loader = yaml.CSafeLoader if _C_YAML else yaml.SafeLoader

_T = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, TIMESTAMP = (
    _T + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
MERGE = _T + "merge"
_ALLOWED_TAGS = {STR, INT, FLOAT, BOOL, NULL, TIMESTAMP, MERGE, _T + "seq", _T + "map"}
_LOOSE_TEXT = {STR, INT, FLOAT, TIMESTAMP}  # kept as written where text is optional

HALL_FILE_KEYS = ("hall", "windows")
HALL_KEYS = ("name", "address", "hours", "hotline", "complaint_hotline")
WINDOW_KEYS = ("id", "number", "name", "location", "topics", "default")
ITEM_KEYS = ("id", "title", "window", "aliases", "keywords", "materials", "conditions",
             "fee", "time_limit", "steps", "next", "basis")
MATERIAL_KEYS = ("name", "detail", "when")
ID_PATTERN = re.compile(r"[a-z0-9-]+")

# Aliases may expand a file by at most about its own size; beyond that it is an
# alias bomb ("billion laughs"), refused before we walk it.
_EXPANSION_SLACK = 100_000

_CACHE_FORMAT = 1  # bump when the pickled objects change shape

_CONSTRUCTOR = yaml.constructor.SafeConstructor()  # only for int and bool scalars

_Fields = dict[str, tuple[Node, Node]]  # key -> (key node, value node)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the base, where staff will find it."""

    path: str  # relative to the knowledge folder: "hall.yaml", "guides/hukou.yaml"
    line: int  # 1-based; 0 when the file itself is missing
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        if self.severity == "warning":
            return f"{self.path}:{self.line}: warning: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge base has errors; ``problems`` holds all of them (and the warnings)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        text = str(errors[0]) if errors else "knowledge base has errors"
        if len(errors) > 1:
            text += f" (and {len(errors) - 1} more)"
        super().__init__(text)


def read_base(folder: Path) -> tuple[Base | None, list[Problem]]:
    """Read and check the whole base; return it (None if any error) and every problem."""
    folder = Path(folder)
    reader = _Reader(folder)
    with _gc_paused():
        base = reader.read()
    return base, reader.sorted_problems()


def load_base(folder: Path, *, use_cache: bool = True) -> Base:
    """Read the base; raise KnowledgeError if it has errors, log its warnings.

    A clean base is cached (see ``_cache_file``) and reused while none of its files,
    nor this loader, has changed: 10,000 items take 1-2 s to read, ~0.1 s from cache.
    """
    folder = Path(folder)
    key = _fingerprint(folder) if use_cache else None
    with _gc_paused():  # unpickling 10,000 items makes no cycles either
        cached = _read_cache(folder, key) if key else None
    if cached:
        base, problems = cached
    else:
        base, problems = read_base(folder)
    if base is None:
        raise KnowledgeError(problems)
    for problem in problems:
        log.warning("%s", problem)
    if key and not cached:
        _write_cache(folder, key, base, problems)
    return base


# -- the cache -----------------------------------------------------------------------
# A pickle per folder under ~/.cache/chuangkou/ (or $CHUANGKOU_CACHE_DIR): never in the
# knowledge folder, so it is never committed. Only clean bases are cached, so the checker
# and a broken base always get a full read. Pickle is trusted here as much as the code:
# the cache directory is the user's own.


def _cache_file(folder: Path) -> Path:
    root = Path(os.environ.get("CHUANGKOU_CACHE_DIR") or Path.home() / ".cache" / "chuangkou")
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return root / f"base-{digest}.pickle"


def _fingerprint(folder: Path) -> tuple | None:
    """Size, mtime and inode of every file read, and of the loader's own code.
    Taken before reading: a file changed meanwhile only causes a miss next time."""
    here = Path(__file__).parent
    files = [here / "load.py", here / "model.py", folder / "hall.yaml", folder / "guides"]
    if (folder / "guides").is_dir():
        files += sorted((folder / "guides").glob("*.y*ml"))
    try:
        stats = [(str(f), (s := f.stat()).st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino)
                 for f in files]
    except OSError:
        return None  # something is missing: the full read will say what
    return (_CACHE_FORMAT, *stats)


def _read_cache(folder: Path, key: tuple) -> tuple[Base, list[Problem]] | None:
    path = _cache_file(folder)
    try:
        with path.open("rb") as f:
            stored_key, base, problems = pickle.load(f)
    except FileNotFoundError:
        return None
    except Exception as e:  # any unreadable cache (truncated, old classes...): read the YAML
        log.info("ignoring the knowledge cache %s: %r", path, e)
        return None
    if stored_key != key or not isinstance(base, Base):
        return None
    return replace(base, folder=folder), problems


def _write_cache(folder: Path, key: tuple, base: Base, problems: list[Problem]) -> None:
    path = _cache_file(folder)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as f:
            pickle.dump((key, base, problems), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)  # atomic: a concurrent reader sees old or new, never half
    except OSError as e:  # a read-only home only costs speed
        log.warning("cannot write the knowledge cache %s: %s", path, e)


@contextmanager
def _gc_paused():
    """Pause the cyclic GC while composing: nodes form no cycles, and the collector
    rescanning a million young nodes made loading 10,000 items 4-7x slower."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _kind(node: Node) -> str:
    """What a node holds, in words for staff."""
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    return {NULL: "empty", INT: "a number", FLOAT: "a number", BOOL: "true/false",
            TIMESTAMP: "a date"}.get(node.tag, "text")


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


class _Reader:
    """One run over a knowledge folder, collecting problems as it goes."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.problems: list[Problem] = []
        self.order: dict[str, int] = {}  # path -> rank, so problems sort by file order
        self.path = ""
        self.windows: dict[str, Window] = {}
        self.window_lines: dict[str, int] = {}
        self.items: dict[str, Item] = {}
        self.item_places: dict[str, str] = {}

    # -- reporting ---------------------------------------------------------------

    def _at(self, path: str) -> None:
        self.path = path
        self.order.setdefault(path, len(self.order))

    def error(self, where: Node | int, message: str, severity: str = "error") -> None:
        line = where if isinstance(where, int) else _line(where)
        self.problems.append(Problem(self.path, line, message, severity))

    def warn(self, where: Node | int, message: str) -> None:
        self.error(where, message, "warning")

    def sorted_problems(self) -> list[Problem]:
        unique = list(dict.fromkeys(self.problems))  # merged mappings repeat their warnings
        return sorted(unique, key=lambda p: (self.order.get(p.path, -1), p.line))

    # -- the folder --------------------------------------------------------------

    def read(self) -> Base | None:
        if not self.folder.is_dir():
            self._at(str(self.folder))
            self.error(0, "knowledge folder not found")
            return None
        self._at("hall.yaml")
        hall = None
        root = self._parse(self.folder / "hall.yaml", "hall.yaml", empty_is_error=True)
        if root is not None:
            hall = self._read_hall_file(root)
        self._read_guides()
        if any(p.severity == "error" for p in self.problems) or hall is None:
            return None
        n_materials = sum(len(i.materials) for i in self.items.values())
        return Base(hall=hall, windows=self.windows, items=self.items, folder=self.folder,
                    stats={"items": len(self.items), "windows": len(self.windows),
                           "materials": n_materials})

    def _read_guides(self) -> None:
        guides = self.folder / "guides"
        self._at("guides")
        if not guides.is_dir():
            self.error(0, "folder not found: service items belong in guides/*.yaml")
            return
        # A .yml file would otherwise be silently ignored.
        for other in sorted(guides.glob("*.yml")):
            self._at(f"guides/{other.name}")
            self.warn(0, "ignored: guide files must end in .yaml")
        n_before = len(self.problems)
        seen_items = 0
        for path in sorted(guides.glob("*.yaml")):
            rel = f"guides/{path.name}"
            self._at(rel)
            root = self._parse(path, rel, empty_is_error=False)
            if root is not None:
                seen_items += self._read_guide(root, rel)
        # Only when no file's own errors already explain the missing items.
        guide_errors = any(p.severity == "error" for p in self.problems[n_before:])
        if not seen_items and not guide_errors:
            self._at("guides")
            self.error(0, "no service items in guides/*.yaml")

    # -- parsing -----------------------------------------------------------------

    def _parse(self, path: Path, rel: str, empty_is_error: bool) -> Node | None:
        """Compose one file's node tree, or report why it cannot be read."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            self.error(0, "file not found")
            return None
        except OSError as e:
            self.error(0, f"cannot read the file: {e.strerror or e}")
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = data[: e.start].count(b"\n") + 1
            column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
            self.error(line, f"not valid UTF-8 (byte 0x{data[e.start]:02x} at column "
                             f"{column}): save the file as UTF-8")
            return None
        try:
            root = yaml.compose(text, Loader=_Loader)
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            message = f"YAML syntax error: {e.problem or e.context}"
            if e.context and e.problem:
                message += f" ({e.context}"
                if e.context_mark and e.context_mark.line != mark.line:
                    message += f" at line {e.context_mark.line + 1}"
                message += ")"
            if e.problem and e.problem.startswith("mapping values are not allowed"):
                # The usual cause: Chinese text with an ASCII ': ' inside a value.
                message += "; a ': ' inside a value? put the value in quotes"
            self.error(mark.line + 1 if mark else 1, message)
            return None
        except yaml.reader.ReaderError as e:
            # libyaml counts the position in UTF-8 bytes, PyYAML in characters.
            before = (text.encode("utf-8") if _C_YAML else text)[: e.position]
            newline = b"\n" if _C_YAML else "\n"
            self.error(before.count(newline) + 1,
                       f"character #x{e.character:04x} is not allowed in a YAML file "
                       "(is this a text file?)")
            return None
        except yaml.YAMLError as e:  # any other YAML failure, still one line, no traceback
            self.error(1, f"YAML error: {e}")
            return None
        except RecursionError:  # PyYAML's pure-Python composer on absurdly deep nesting
            self.error(1, "nested too deeply to be a knowledge file")
            return None
        if root is None:
            message = "the file is empty" if empty_is_error else "the file is empty: no items"
            self.error(1, message, "error" if empty_is_error else "warning")
            return None
        return root if self._screen(root, text) else None

    def _screen(self, root: Node, text: str) -> bool:
        """Refuse non-plain tags, self-containing values and alias bombs, before the
        schema walk visits shared nodes once per alias."""
        if "&" not in text and "!" not in text:
            return True  # no anchor, so no alias; no tag: nothing to screen
        limit = len(text) + _EXPANSION_SLACK
        expanded: dict[int, int] = {}  # id(node) -> node count with aliases expanded
        open_: set[int] = set()
        ok = True
        # Iterative (nesting may be deep); only collections go on the stack.
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            key = id(node)
            if done:
                open_.discard(key)
                size = 1 + sum(expanded.get(id(c), 1) for c in _children(node))
                if size > limit:
                    self.error(node, f"aliases expand this value to {size:,} values: "
                                     "refused (an alias bomb?)")
                    return False
                expanded[key] = size
                continue
            if key in expanded:
                continue  # an alias of a collection already counted
            if key in open_:
                self.error(node, "this value contains itself through an alias")
                return False
            ok = self._allowed_tag(node) and ok
            if isinstance(node, ScalarNode):
                continue
            open_.add(key)
            stack.append((node, True))
            for child in _children(node):
                if isinstance(child, ScalarNode):
                    ok = self._allowed_tag(child) and ok
                else:
                    stack.append((child, False))
        return ok

    def _allowed_tag(self, node: Node) -> bool:
        if node.tag in _ALLOWED_TAGS:
            return True
        tag = node.tag.replace(_T, "!!")
        self.error(node, f"tag '{tag}' is not allowed: write plain text, lists and mappings")
        return False

    # -- generic fields ----------------------------------------------------------

    def _fields(self, node: Node, known: tuple[str, ...], what: str) -> _Fields | None:
        """A mapping's fields by key; reports duplicate and unknown keys."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{what} must be a mapping of 'key: value' lines, not {_kind(node)}")
            return None
        fields: _Fields = {}
        merged: _Fields = {}
        for key_node, value in node.value:
            if key_node.tag == MERGE:
                sources = value.value if isinstance(value, SequenceNode) else [value]
                for source in sources:
                    for key, pair in (self._fields(source, known, "a merged value") or {}).items():
                        merged.setdefault(key, pair)
                continue
            if not isinstance(key_node, ScalarNode):
                self.error(key_node, f"a key must be plain text, not {_kind(key_node)}")
                continue
            key = key_node.value
            if key in fields:
                self.error(key_node, f"duplicate key '{key}' (first at line "
                                     f"{_line(fields[key][0])})")
                continue
            fields[key] = (key_node, value)
            if key not in known:
                guess = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean '{guess[0]}'?)" if guess else ""
                self.warn(key_node, f"unknown key '{key}'{hint}")
        for key, pair in merged.items():  # keys written in the mapping win over merged ones
            fields.setdefault(key, pair)
        return fields

    def _text(self, key: str, node: Node, required: bool, loose: bool) -> str | None:
        """A text value; None (reported) if wrong. ``loose`` accepts numbers and dates
        as written; required text may not be empty."""
        if isinstance(node, ScalarNode):
            if node.tag == STR or (loose and node.tag in _LOOSE_TEXT):
                value = node.value.strip()
            elif node.tag == NULL:
                value = ""
            else:
                self.error(node, f"'{key}' must be text, not {_kind(node)} "
                                 f"(quote it: \"{node.value}\")")
                return None
            if required and not value:
                self.error(node, f"'{key}' is empty")
                return None
            return value
        self.error(node, f"'{key}' must be text, not {_kind(node)}")
        return None

    def _required(self, fields: _Fields, key: str, owner: str, at: Node,
                  loose: bool = False) -> str | None:
        if key not in fields:
            self.error(at, f"{owner} has no '{key}'")
            return None
        return self._text(key, fields[key][1], required=True, loose=loose)

    def _optional(self, fields: _Fields, key: str) -> str:
        if key not in fields:
            return ""
        return self._text(key, fields[key][1], required=False, loose=True) or ""

    def _text_list(self, fields: _Fields, key: str) -> tuple[str, ...]:
        if key not in fields:
            return ()
        node = fields[key][1]
        if isinstance(node, ScalarNode) and node.tag == NULL:
            return ()
        if not isinstance(node, SequenceNode):
            hint = f" (write [{node.value}])" if isinstance(node, ScalarNode) else ""
            self.error(node, f"'{key}' must be a list, not {_kind(node)}{hint}")
            return ()
        values = []
        for entry in node.value:
            value = self._text(key, entry, required=False, loose=True)
            if value == "":
                self.error(entry, f"empty entry in '{key}'")
            elif value is not None:
                values.append(value)
        return tuple(values)

    def _id(self, fields: _Fields, owner: str, at: Node) -> str | None:
        value = self._required(fields, "id", owner, at, loose=True)
        if value is not None and not ID_PATTERN.fullmatch(value):
            self.error(fields["id"][1], f"id '{value}' may only use a-z, 0-9 and '-'")
        return value

    # -- hall.yaml ---------------------------------------------------------------

    def _read_hall_file(self, root: Node) -> Hall | None:
        top = self._fields(root, HALL_FILE_KEYS, "hall.yaml")
        if top is None:
            return None
        hall = None
        if "hall" not in top:
            self.error(root, "missing 'hall:' (the hall's name, address, hours...)")
        else:
            key_node, node = top["hall"]
            fields = self._fields(node, HALL_KEYS, "'hall'")
            if fields is not None:
                name = self._required(fields, "name", "the hall", key_node)
                texts = {k: self._optional(fields, k) for k in HALL_KEYS[1:]}
                if name is not None:
                    hall = Hall(name=name, **texts)
        if "windows" not in top:
            self.error(root, "missing 'windows:' (the hall's counters)")
            return None
        self._read_windows(*top["windows"])
        return hall

    def _read_windows(self, key_node: Node, node: Node) -> None:
        if (isinstance(node, ScalarNode) and node.tag == NULL
                or isinstance(node, SequenceNode) and not node.value):
            self.error(key_node, "'windows' is empty: list the hall's windows")
            return
        if not isinstance(node, SequenceNode):
            self.error(node, f"'windows' must be a list of windows, not {_kind(node)}")
            return
        numbers: dict[str, tuple[str, int]] = {}
        defaults: list[tuple[str, Node]] = []
        for entry in node.value:
            fields = self._fields(entry, WINDOW_KEYS, "a window")
            if fields is None:
                continue
            wid = self._id(fields, "window", entry)
            owner = f"window '{wid}'" if wid else "window"
            number = self._number(fields, owner, entry)
            name = self._required(fields, "name", owner, entry)
            location = self._optional(fields, "location")
            topics = self._text_list(fields, "topics")
            default = self._bool(fields, "default")
            if default:
                defaults.append((wid or "?", fields["default"][0]))
            if wid is None:
                continue
            if wid in self.window_lines:
                self.error(fields["id"][1], f"duplicate window id '{wid}' "
                                            f"(first at hall.yaml:{self.window_lines[wid]})")
                continue
            self.window_lines[wid] = _line(fields["id"][1])
            if number is not None:
                other = numbers.setdefault(str(number), (wid, _line(entry)))
                if other[0] != wid:
                    self.warn(fields["number"][1], f"window number {number} is also window "
                                                   f"'{other[0]}' (line {other[1]})")
            if number is not None and name is not None:
                self.windows[wid] = Window(id=wid, number=number, name=name, location=location,
                                           topics=topics, default=default)
        if not defaults:
            self.error(key_node, "no default window: mark exactly one window "
                                 "'default: true' (where anything else goes)")
        elif len(defaults) > 1:
            named = ", ".join(f"'{w}' (line {_line(n)})" for w, n in defaults)
            self.error(defaults[1][1], f"several default windows: {named}; exactly one "
                                       "may be default")

    def _number(self, fields: _Fields, owner: str, at: Node) -> int | str | None:
        """A window number: a whole number, or non-empty text such as "3-4"."""
        if "number" not in fields:
            self.error(at, f"{owner} has no 'number'")
            return None
        node = fields["number"][1]
        if isinstance(node, ScalarNode) and node.tag == INT:
            return _CONSTRUCTOR.construct_yaml_int(node)
        if isinstance(node, ScalarNode) and node.tag == STR and node.value.strip():
            return node.value.strip()
        self.error(node, f"'number' must be a whole number or text like \"3-4\", "
                         f"not {_kind(node)}")
        return None

    def _bool(self, fields: _Fields, key: str) -> bool:
        if key not in fields:
            return False
        node = fields[key][1]
        if isinstance(node, ScalarNode) and node.tag == BOOL:
            return _CONSTRUCTOR.construct_yaml_bool(node)
        if isinstance(node, ScalarNode) and node.tag == NULL:
            return False
        self.error(node, f"'{key}' must be true or false, not {_kind(node)}")
        return False

    # -- guides/*.yaml -----------------------------------------------------------

    def _read_guide(self, root: Node, rel: str) -> int:
        """Read one guide file; return how many entries it holds (valid or not)."""
        if not isinstance(root, SequenceNode):
            self.error(root, f"a guide file must be a list of items ('- id: ...'), "
                             f"not {_kind(root)}")
            return 0
        for entry in root.value:
            item = self._read_item(entry, rel)
            if item is not None:
                self.items[item.id] = item
        return len(root.value)

    def _read_item(self, entry: Node, rel: str) -> Item | None:
        fields = self._fields(entry, ITEM_KEYS, "an item")
        if fields is None:
            return None
        iid = self._id(fields, "item", entry)
        owner = f"item '{iid}'" if iid else "item"
        title = self._required(fields, "title", owner, entry)
        window = self._window_ref(fields, "window", owner, entry)
        materials = self._materials(fields, owner, entry)
        item = Item(
            id=iid or "", title=title or "", window=window or "", materials=materials or (),
            aliases=self._text_list(fields, "aliases"),
            keywords=self._text_list(fields, "keywords"),
            conditions=self._optional(fields, "conditions"),
            fee=self._optional(fields, "fee"),
            time_limit=self._optional(fields, "time_limit"),
            steps=self._text_list(fields, "steps"),
            next=self._window_ref(fields, "next", owner, entry) or "",
            basis=self._optional(fields, "basis"),
            source=f"{rel}:{_line(entry)}",
        )
        if iid is None:
            return None
        if iid in self.item_places:
            self.error(fields["id"][1], f"duplicate item id '{iid}' "
                                        f"(first at {self.item_places[iid]})")
            return None
        self.item_places[iid] = f"{rel}:{_line(fields['id'][1])}"
        return item if None not in (title, window, materials) else None

    def _window_ref(self, fields: _Fields, key: str, owner: str, at: Node) -> str | None:
        """A window id named by an item; checked against hall.yaml when it was readable."""
        if key == "window":
            value = self._required(fields, key, owner, at, loose=True)
        else:
            value = self._optional(fields, key) or None
        # Checked only against windows that could be read (else hall.yaml's errors say why);
        # a window with errors of its own still counts as existing.
        if value is None or not self.window_lines or value in self.window_lines:
            return value
        by_number = [w.id for w in self.windows.values() if str(w.number) == value]
        guess = by_number or difflib.get_close_matches(value, list(self.windows), n=1)
        hint = f" (did you mean '{guess[0]}'?)" if guess else ""
        self.error(fields[key][1], f"{key} '{value}' is not a window in hall.yaml{hint}")
        return None

    def _materials(self, fields: _Fields, owner: str, at: Node) -> tuple[Material, ...] | None:
        if "materials" not in fields:
            self.error(at, f"{owner} has no 'materials'")
            return None
        key_node, node = fields["materials"]
        if isinstance(node, ScalarNode) and node.tag == NULL or (
                isinstance(node, SequenceNode) and not node.value):
            self.error(key_node, "'materials' is empty: list at least one material "
                                 "with a 'name'")
            return None
        if not isinstance(node, SequenceNode):
            self.error(node, f"'materials' must be a list, not {_kind(node)}")
            return None
        materials = []
        for entry in node.value:
            if isinstance(entry, ScalarNode):  # the shorthand: just the material's name
                name = self._text("material", entry, required=True, loose=False)
                if name is not None:
                    materials.append(Material(name=name))
                continue
            fields_ = self._fields(entry, MATERIAL_KEYS, "a material")
            if fields_ is None:
                continue
            name = self._required(fields_, "name", "material", entry)
            detail, when = self._optional(fields_, "detail"), self._optional(fields_, "when")
            if name is not None:
                materials.append(Material(name=name, detail=detail, when=when))
        return tuple(materials) if len(materials) == len(node.value) else None
