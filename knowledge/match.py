"""The matcher: from a citizen's message to answered / choose / routed.

How it reads a question:

- Words. jieba cuts the text, by wordfreq's counts of everyday Chinese, with the base's
  keywords and topics added as words. Each word weighs what it says: how rare it is in
  everyday Chinese (吗, 什么, 可以 weigh almost nothing, 离婚证 a lot; the staff's
  keywords and topics count as rare) times how rare it is among the base's items
  (身份证 is shared by three items, 丢失 tells one of them). A rare word of two
  characters ending in a particle (办过, 换张) is a verb with its particle, read as its
  characters.
- Two stages. A vectorised pass over an inverted index (words, characters, character
  and pinyin bigrams) keeps the items that explain most of the question. Each of those is
  then read word by word: *coverage*, the share of the question's weight the item
  explains, and *closeness*, the share of the item's closest phrase (title, an alias, its
  keywords) that the question says; and *resemblance*, rapidfuzz's partial_ratio of the
  item's closest title or alias within the question as typed, which sees the order of
  the words that a bag of words cannot. The item's score mixes the three.
- Typos. A word the item lacks may still be found by its characters or its sound
  (身分证, 公基金, 营业执招), but only if it ends the same way: Chinese words end in
  their head, so 二手车 is not 二手房, and such a look-alike counts against the item.
- Other words. A word no item has may be what citizens say for a term an item has
  (房本 for 不动产权证书, from the lexicon), and is then found almost whole.
- English. A citizen may write ID card or passport among the Chinese; such phrases of
  the lexicon are read as their standard Chinese term before anything else.
- Actions. Items sharing an object (户口迁入 / 迁出, 身份证补领 / 换领) differ by what is
  to be done, and the citizen's words say it (迁进来, 丢了, 换人: the lexicon's actions).
- Deciding. Answer when the best item is sure enough and clearly ahead (the less sure,
  the further ahead it must be), and is not for another action than the one asked (then
  offer it beside a close item for that action, or route); offer a choice when a few
  items fit about equally; otherwise route to the window whose topics (read through the
  lexicon: 聋哑 is 残疾) and items fit best, and whose topics name the line of business
  of what the question names (罚单 is 交通违法处理, a matter of 车驾管: the window of
  驾驶证 and 机动车), or to the default window when none does. A heavy word no item
  explains (药店, 贷款) keeps coverage low, so such a question is routed rather than
  answered with an item that is not about it; so is one that names another paper of
  the best item's kind (药品经营许可证 where the item is 食品经营许可证, 临时居民身份证
  where it is 居民身份证).

The index is built once per load of the base; `match` only reads it.
"""
from __future__ import annotations

import logging
import math
import os
import re
import threading
from array import array
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import jieba
import numpy as np
import wordfreq
import yaml
from rapidfuzz import fuzz

from .model import Base, Item, Window
from .normalize import normalize, pinyin_of, runs, simplify

ANSWERED, CHOOSE, ROUTED = "answered", "choose", "routed"


@dataclass(frozen=True)
class Match:
    """The matcher's decision for one question."""

    status: str  # ANSWERED, CHOOSE or ROUTED
    window: Window  # the item's window, or where the citizen is routed
    item: Item | None = None  # when ANSWERED
    candidates: tuple[Item, ...] = ()  # when CHOOSE: 2-4, best first
    score: float = 0.0
    # When ROUTED: the window's items that may still be meant (at most two), offered
    # beside the routing; nothing is answered unless the citizen picks one.
    suggestions: tuple[Item, ...] = ()

    def as_json(self, question: str) -> dict:
        """The line `bot.py match` prints (the contract of shared/eval/README.md)."""
        return {
            "question": question,
            "status": self.status,
            "item": self.item.id if self.item else None,
            "candidates": [c.id for c in self.candidates],
            "window": self.window.id,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class Thresholds:
    """Where the decisions fall; scores are in 0..1."""

    answer: float = 0.4  # below this, never answer
    sure: float = 0.7  # at or above this, a small lead is enough ...
    lead: float = 0.05  # ... this one
    slope: float = 2.0  # below `sure`, the lead must grow by this much per point
    choose: float = 0.5  # items this sure may be offered as a choice
    band: float = 0.1  # ... when within this of the best
    route: float = 0.25  # a window fitting less than this: the default window
    suggest: float = 0.4  # routed: the window's items this sure are suggested
    among: float = 0.3  # ... or offered, if among them they hold all the question says


@dataclass(frozen=True)
class Assessment:
    """What the matcher read in a question, before deciding."""

    ranked: tuple[tuple[Item, float], ...]  # the best candidates and their scores, best first
    windows: tuple[tuple[Window, float], ...]  # every window's fit, best first
    actions: frozenset[str] = frozenset()  # what the citizen wants done (the lexicon's actions)
    # The lexicon's standard terms the question names, and how much each naming says.
    named: tuple[tuple[str, float], ...] = ()
    # Each window's fit by its topics alone (read with the lexicon's standard terms).
    topics: dict[str, float] = field(default_factory=dict)
    # The question's weighty words outside what it asks in general (要带什么, 在哪办), and
    # those of them each candidate has.
    content: frozenset[str] = frozenset()
    found_in: dict[str, frozenset[str]] = field(default_factory=dict)
    coverage: dict[str, float] = field(default_factory=dict)  # each candidate's, by item id


@dataclass(frozen=True)
class Reading:
    """Why the matcher decided as it did, for staff trying their YAML (`match --explain`)."""

    match: Match
    words: tuple[tuple[str, float], ...]  # the question's words and what each weighs
    # The best candidates: item, score, and the question's weighty words the item lacks
    # (an alias or keyword with one of them would bring the item closer).
    candidates: tuple[tuple[Item, float, tuple[str, ...]], ...]
    windows: tuple[tuple[Window, float], ...]  # the best-fitting windows
    lead_needed: float  # how far ahead the best item had to be to be answered
    actions: frozenset[str] = frozenset()  # what the citizen wants done (the lexicon's actions)
    rival: float = 0.0  # the score it had to lead (an item of an unfitting window is none)
    another_kind: str = ""  # another paper of the best item's kind the question names


# Weights of a term, beside its own rarity.
BIGRAM_WEIGHT = 0.3  # a character bigram, times its everyday rarity
CHAR_WEIGHT = 0.2  # a single character, likewise
PINYIN_WEIGHT = 0.5  # a pinyin bigram
NUMBER_WEIGHT = 0.5  # 16岁, 3个月: a number rarely tells one item from another
UNKNOWN_WEIGHT = 0.5  # a term no item has: as rare as can be among items, half believed
# Everyday rarity is -ln(frequency); below COMMON_WORD a word says almost nothing.
COMMON_WORD = 6.5
EVERYDAY_CAP = 10.0  # ... and above COMMON_WORD + this it says no more
EVERYDAY_POWER = 1.0  # < 1 would narrow the gap between everyday nouns (公司) and rare words
DOMAIN_FREQ = 10  # the staff's keywords and topics count as this rare (a count, of 1e9)
WORDFREQ_SCALE = 1e9  # wordfreq's shares as the counts jieba wants
# Reading word by word: how much a word found only in part counts.
SINGLE_CHAR_MATCH = 0.7  # a one-character word found inside another word
SYNONYM_MATCH = 0.8  # a word no item has, found as the lexicon's standard term (房本)
PARTIAL_MATCH = 0.9  # a longer word found by its characters or sounds, times the share
HEADLESS_MATCH = 0.2  # ... when its last characters differ (二手车 / 二手房)
TOPIC_PREFIX_MATCH = 0.5  # routing: a word that begins with a whole topic (户口本, 户口)
LOOKALIKE_PENALTY = 2.0  # and how much more such a word weighs against the item
LOOKALIKE_SHARE = 0.3  # a question this much about a look-alike resembles nothing
CANDIDATES = 12  # items read word by word after the rough pass
CLOSENESS_SHARE = 0.5  # the words' score: coverage^(1-s) * closeness^s
RESEMBLANCE_SHARE = 0.3  # the item's score: (1-r) * words + r * resemblance
ROUTE_BY_ITEM = 0.4  # how much a window's best item adds to its topics' fit
ROUTE_BY_BUSINESS = 0.6  # ... and what the lexicon says of the business asked about
WINDOW_PLAIN = 0.3  # a window whose topics fit this much is plainly what a question is about
RIVAL_WINDOW = 0.05  # ... and an item of a window whose topics fit less is no rival
MAX_CHOICES = 4
ACTION_CLOSE = 0.6  # an item for the action asked counts when this close to the best
EQUAL_COVERAGE = 0.7  # items the question fits this fully, and alike, are equal readings
KIND_ENDING = 3  # terms ending in as many characters alike are of one kind (经营许可证)
MAX_SUGGESTIONS = 2
# A rare two-character "word" ending in an aspect particle or a classifier (办过, 换张,
# 开个) is a verb or a number with its particle: wordfreq counts it rare, so whole it
# would weigh like 离婚证. Unless the base uses it, it is read as its two characters.
PARTICLE_ENDINGS = "过了着个张份次"
PARTICLE_WORD_RARITY = 5.0  # everyday rarity from which such a word is split
WEIGHTY = 5.0  # a word weighing this says something (吗 0.2, 弄 6, 奶茶 25): `explain` names such
# missing words, and a general question's choice must hold every such word

_LATIN = re.compile(r"[a-z][a-z' ]*")
_SCRIPT = re.compile(r"[a-z]+|[0-9]+|[^a-z0-9]+")
LEXICON = Path(__file__).with_name("lexicon.yaml")
_everyday: tuple[dict[str, int], int] | None = None
_everyday_lock = threading.Lock()


def everyday_words() -> tuple[dict[str, int], int]:
    """wordfreq's Chinese word counts as jieba's prefix dictionary, and their total;
    built once per process and never changed after.

    wordfreq counts words in subtitles, the web and social media as well as in books and
    news, so it knows that 吗, 咋, 这边 are everyday words: jieba's own dictionary, drawn
    from written text, counts them rare and would make them weigh in a question.
    """
    global _everyday
    with _everyday_lock:
        if _everyday is None:
            freq: dict[str, int] = {}
            total = 0
            for word, share in wordfreq.get_frequency_dict("zh", wordlist="best").items():
                count = max(1, round(share * WORDFREQ_SCALE))
                freq[word] = count
                total += count
                for i in range(1, len(word)):  # jieba's prefix dictionary
                    freq.setdefault(word[:i], 0)
            _everyday = freq, total
        return _everyday


class _BaseWords(dict):
    """A base's own words over the shared everyday dictionary, which they leave as it
    is: two bases read in one process (two halls, the test suite) do not teach each other
    words."""

    def __init__(self, everyday: dict[str, int]):
        super().__init__()
        self.everyday = everyday

    def __missing__(self, word: str) -> int:
        return self.everyday[word]

    def __contains__(self, word: object) -> bool:
        return dict.__contains__(self, word) or word in self.everyday

    def get(self, word: str, default=None):
        return dict.get(self, word) if dict.__contains__(self, word) else self.everyday.get(word, default)


def tokenizer() -> jieba.Tokenizer:
    """A jieba of its own for one base: the everyday words, then the base's (add_word)."""
    jieba.setLogLevel(logging.WARNING)
    freq, total = everyday_words()
    t = jieba.Tokenizer()
    t.FREQ, t.total, t.initialized = _BaseWords(freq), total, True
    return t


@dataclass(frozen=True)
class Lexicon:
    """What citizens say, read as the guides' standard terms, and the line of business
    (户政, 车驾管…) each term belongs to."""

    says: dict[str, tuple[str, ...]]  # 驾照 -> (驾驶证,), 房本 -> (不动产权证书,)
    business: dict[str, str]  # 驾驶证 -> 车驾管 / 交通; general terms (收费, 遗失) have none
    # What is to be done with the thing asked about, and the phrases that ask for it:
    # 补领 <- 丢了, 补办…; 迁入 <- 迁进来, 落户…
    actions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # What citizens say that belongs to no line of business: 要带什么, 多少钱, 在哪办.
    general: frozenset[str] = frozenset()


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON) -> Lexicon:
    """The lexicon file: sections of groups, each group a standard term and what citizens
    say for it. Sections under `domains` are lines of business; those under `general`
    belong to none. `actions` lists what can be done (补领, 迁入…) and the phrases that
    ask for each.

    A general lexicon of the domain, not of one hall: it ships with the project and any
    hall's base is read through it. A missing file means no lexicon.
    """
    if not path.exists():
        return Lexicon({}, {}, {})
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    says: dict[str, set[str]] = {}
    business: dict[str, str] = {}
    general: set[str] = set()
    for kind in ("domains", "general"):
        for section, groups in (data.get(kind) or {}).items():
            for group in groups or ():
                standard = simplify(str(group["standard"]))
                if kind == "domains":
                    business.setdefault(standard, section)
                else:
                    general.add(standard)
                    general.update(simplify(str(x)) for x in group.get("says") or ())
                for said in group.get("says") or ():
                    said = simplify(str(said))
                    if said and said != standard:
                        says.setdefault(said, set()).add(standard)
    actions = {
        simplify(str(action)): tuple(simplify(str(p)) for p in phrases or ())
        for action, phrases in (data.get("actions") or {}).items()
    }
    return Lexicon({k: tuple(sorted(v)) for k, v in says.items()}, business, actions, frozenset(general))


class Matcher:
    """Built once per load of the base; `match` is then cheap and thread-safe."""

    def __init__(
        self, base: Base, thresholds: Thresholds = Thresholds(), lexicon: Lexicon | None = None
    ):
        self.base = base
        self.thresholds = thresholds
        self.items: list[Item] = list(base.items.values())
        self.windows: list[Window] = list(base.windows.values())
        self._index = {item.id: i for i, item in enumerate(self.items)}
        self._tok = tokenizer()
        lexicon = load_lexicon() if lexicon is None else lexicon
        self._lexicon = lexicon.says
        self._business = lexicon.business
        self._actions = lexicon.actions
        general = sorted((g for g in lexicon.general if g and not _LATIN.fullmatch(g)), key=len, reverse=True)
        self._general_re = re.compile("|".join(map(re.escape, general))) if general else None
        self._domain: set[str] = set()
        self._vocab: dict[str, int] = {}  # term -> term id, filled by _build_index
        hall = base.hall
        self._hall_words = {
            t[2:] for t in self.terms(f"{hall.name} {hall.address}", drop_fillers=False) if t[0] == "w"
        }
        self._learn_words()
        self._read_lexicon()
        self._build_index()
        self._read_business()

    # -- terms and weights ------------------------------------------------------------

    def _learn_words(self) -> None:
        """Teach jieba the base's own words, so that 个体户 or 不动产 stay whole."""
        words = {k for it in self.items for k in it.keywords}
        words |= {t for w in self.windows for t in w.topics}
        for word in words:
            for part in runs(word, drop_fillers=False):
                if len(part) > 1:
                    self._domain.add(part)
                    if part not in self._tok.FREQ:
                        self._tok.add_word(part, freq=1)

    def _read_lexicon(self) -> None:
        """One pattern finds every colloquial phrase of the lexicon in a question."""
        # English among the Chinese (ID card, passport): no item is written in it, so such
        # a phrase is read as its standard Chinese term, for items as well as windows.
        latin = {s: stds[0] for s, stds in self._lexicon.items() if _LATIN.fullmatch(s) and len(stds) == 1}
        says = sorted((s for s in self._lexicon if s not in latin), key=len, reverse=True)
        self._lexicon_re = re.compile("|".join(map(re.escape, says))) if says else None
        self._latin = {_letters(s): std for s, std in latin.items()}
        # Words may be run together or joined by any separator: id card, id-card, IDcard.
        spellings = (r"[\s_'-]*".join(map(re.escape, s.replace("'", " ").split())) for s in latin)
        pattern = "|".join(sorted(spellings, key=len, reverse=True))
        self._latin_re = re.compile(rf"(?<![a-z])(?:{pattern})(?![a-z])") if latin else None
        self._standard_words = {
            std: tuple(self.words(std, drop_fillers=False)) for stds in self._lexicon.values() for std in stds
        }

    def _read_business(self) -> None:
        """Which window does what the lexicon names, from the windows' topics, the staff's
        word for what each window does: a term that some topic names (生育津贴) goes to
        that window; a term that neither topics nor items name, to the windows whose
        topics name its line of business. So a question about 罚单 (交通违法处理, 车驾管)
        goes to the window of 驾驶证 and 机动车, though no topic says 罚单."""
        terms = {s for s, stds in self._lexicon.items() if any(t in self._business for t in stds)}
        terms |= set(self._business)
        terms = sorted((t for t in terms if not _LATIN.fullmatch(t)), key=len, reverse=True)
        self._business_re = re.compile("|".join(map(re.escape, terms))) if terms else None
        counts: dict[str, dict[str, int]] = {}  # a standard term or a business -> window -> topics
        for w in self.windows:
            for topic in w.topics:
                for standard, _ in self.standards_named(topic):
                    for key in (standard, self._business[standard]):
                        counts.setdefault(key, {}).setdefault(w.id, 0)
                        counts[key][w.id] += 1
        # The standard terms each item names; one that items name and no topic does is
        # the items' to route (ROUTE_BY_ITEM).
        self._item_standards = [
            frozenset(standard for standard, _ in self.standards_named(" ".join(_phrases(item))))
            for item in self.items
        ]
        for standards in self._item_standards:
            for standard in standards:
                counts.setdefault(standard, {})
        # Named by one topic of one window, a business is that window's only in part: the
        # one more count is the hall's other windows and the business no window names.
        self._doers = {
            key: {w: n / (sum(by_window.values()) + 1) for w, n in by_window.items()}
            for key, by_window in counts.items()
        }

    def standards_named(self, text: str) -> list[tuple[str, float]]:
        """The standard terms of a line of business that a text names, through the
        lexicon (闯红灯的罚单 -> 交通违法处理), each with how much the naming term says,
        0..1: an everyday word (孩子, 房子) says less than a rare one (罚单)."""
        found = []
        if self._business_re:
            for term in self._business_re.findall(simplify(text)):
                says = min(self._everyday(term) / EVERYDAY_CAP, 1.0)
                found += [(std, says) for std in self._lexicon.get(term, (term,)) if std in self._business]
        return found

    def _fit_by_business(self, named: Sequence[tuple[str, float]]) -> dict[str, float]:
        """Each window's share in doing what the question names (`standards_named`), by
        term or business."""
        fit: dict[str, float] = {}
        for standard, says in named:
            doers = self._doers.get(standard)
            if doers is None:
                doers = self._doers.get(self._business[standard], {})
            for window, share in doers.items():
                fit[window] = max(fit.get(window, 0.0), share * says)
        return fit

    def terms(self, text: str, drop_fillers: bool = True) -> set[str]:
        """Words ('w:'), characters ('c:'), character and pinyin bigrams ('b:', 'p:')."""
        out: set[str] = set()
        for run in runs(text, drop_fillers):
            for part in _SCRIPT.findall(run):
                if part[0].isascii():
                    out.add("w:" + part)
                    continue
                out.update("w:" + w for w in self._tok.cut_for_search(part, HMM=False))
                out.update("c:" + c for c in part)
                sounds = [pinyin_of(c) for c in part]
                for i in range(len(part) - 1):
                    out.add("b:" + part[i : i + 2])
                    out.add(f"p:{sounds[i]} {sounds[i + 1]}")
        return out

    def _everyday(self, word: str) -> float:
        """How much a word says in everyday Chinese: 0.05 (的, 什么) to 10 (rare words)."""
        # The staff's keywords and topics are the hall's vocabulary: rare by definition.
        freq = DOMAIN_FREQ if word in self._domain else self._tok.FREQ.get(word, 0)
        rarity = math.log(self._tok.total / (freq + 1))
        return min(max(rarity - COMMON_WORD, 0.05), EVERYDAY_CAP) ** EVERYDAY_POWER

    def _weight(self, term: str, df: int) -> float:
        """What a term says: its everyday rarity times its rarity among the items."""
        kind, text = term[0], term[2:]
        if text in self._hall_words:
            return 0.0  # the town's own name says nothing about the question
        if text.isdigit():
            say = NUMBER_WEIGHT
        elif kind == "w":
            say = self._everyday(text)
        elif kind == "b":
            say = BIGRAM_WEIGHT * self._everyday(text)
        elif kind == "c":
            say = CHAR_WEIGHT * self._everyday(text)
        else:
            say = PINYIN_WEIGHT
        rare = math.log(1 + self._n / df) if df else UNKNOWN_WEIGHT * math.log(1 + self._n)
        return say * rare

    # -- the index ----------------------------------------------------------------------

    def _build_index(self) -> None:
        vocab: dict[str, int] = {}  # term -> term id

        def ids(text: str) -> list[int]:
            return [vocab.setdefault(t, len(vocab)) for t in self.terms(text, drop_fillers=False)]

        # (term id, item id) for every term of an item's title, aliases and keywords.
        item_terms, item_ids = array("i"), array("i")
        item_start = array("i", [0])
        for i, item in enumerate(self.items):
            union: set[int] = set()
            for text in _phrases(item):
                union.update(ids(text))
            item_terms.extend(union)
            item_ids.extend([i] * len(union))
            item_start.append(len(item_terms))
        # Windows' topics, for routing; their terms count as documents in the rarity too.
        self._topic_terms = [
            {t for topic in w.topics for t in self.terms(topic, drop_fillers=False)} for w in self.windows
        ]
        topic_terms = array("i", [vocab.setdefault(t, len(vocab)) for terms in self._topic_terms for t in terms])

        # Rarity among items; the windows' topics count as documents too, so that a topic
        # no item covers (药品, 商标) is a known, heavy word that items do not explain.
        self._n = len(self.items)
        df = np.bincount(np.frombuffer(item_terms, dtype=np.int32), minlength=len(vocab))
        df += np.bincount(np.frombuffer(topic_terms, dtype=np.int32), minlength=len(vocab))
        self._vocab = vocab
        self._w = np.array([self._weight(t, int(df[k])) for t, k in vocab.items()], dtype=np.float64)
        # Two-character words of the base, by sound, to read mistyped ones (签移 → 迁移).
        self._sounds = {}
        for item in self.items:
            for text in _phrases(item):
                for w in self._tok.cut(text, HMM=False):
                    if len(w) == 2 and "\u4e00" <= w[0] <= "\u9fff" and "\u4e00" <= w[1] <= "\u9fff":
                        self._sounds.setdefault(pinyin_of(w[0]) + " " + pinyin_of(w[1]), w)
        # The phrases' words and their weights, for the word-by-word reading; each
        # (word, weight) pair is made once and shared by every phrase that has the word.
        weighed: dict[str, tuple[str, float]] = {}
        self._item_phrases = [
            tuple(
                tuple(weighed.setdefault(w, (w, self.word_weight(w))) for w in self.words(p, False))
                for p in _phrases(item)
            )
            for item in self.items
        ]
        # Titles and aliases as citizens would type them, for rapidfuzz.
        self._item_spellings = [
            tuple(f for f in (normalize(p).replace(" ", "") for p in (it.title, *it.aliases)) if f)
            for it in self.items
        ]
        # What each item does, from its phrases, or as a registration anew (结婚登记).
        self._item_actions = [
            self.actions(" ".join(_phrases(it))) or _plain_registration(it.title) for it in self.items
        ]
        self._item_term_ids = np.frombuffer(item_terms, dtype=np.int32)
        self._item_term_start = np.frombuffer(item_start, dtype=np.int32)
        self._items = _Postings(self._item_term_ids, np.frombuffer(item_ids, dtype=np.int32), len(vocab))

    # -- scoring ------------------------------------------------------------------------

    def rough(self, question: str) -> np.ndarray:
        """The rough pass: the share of the question's weight each item holds, 0..1."""
        known: list[int] = []
        weights: list[float] = []
        mass = 0.0
        for t in self.terms(question):
            k = self._vocab.get(t)
            w = self._w[k] if k is not None else self._weight(t, 0)
            mass += w
            if k is not None:
                known.append(k)
                weights.append(w)
        if not mass or not self.items:
            return np.zeros(len(self.items))
        return self._items.gather(known, weights, len(self.items)) / mass

    # -- reading word by word ----------------------------------------------------------

    _sounds: dict[str, str] = {}  # filled by _build_index

    def words(self, text: str, drop_fillers: bool = True) -> list[str]:
        """The words of a text (jieba's precise cut), each once, in order.

        Two single characters that jieba could not join but that sound like a two-character
        word of the base are read as that word: 签移 (qian yi) is 迁移 mistyped.
        """
        out: list[str] = []
        for run in runs(text, drop_fillers):
            for part in _SCRIPT.findall(run):
                if part[0].isascii():
                    out.append(part)
                    continue
                cut = list(self._tok.cut(part, HMM=False))
                k = 0
                while k < len(cut):
                    a = cut[k]
                    b = cut[k + 1] if k + 1 < len(cut) else ""
                    heard = self._sounds.get(pinyin_of(a) + " " + pinyin_of(b)) if len(a) == len(b) == 1 else None
                    if heard:
                        out.append(heard)
                        k += 2
                    elif self._verb_and_particle(a):
                        out.extend(a)
                        k += 1
                    else:
                        out.append(a)
                        k += 1
        return list(dict.fromkeys(out))

    def _verb_and_particle(self, word: str) -> bool:
        """办过, 换张: a rare word of two characters ending in a particle, not the base's."""
        return (len(word) == 2 and word[1] in PARTICLE_ENDINGS and "w:" + word not in self._vocab
                and word not in self._domain and self._everyday(word) >= PARTICLE_WORD_RARITY)

    def word_weight(self, word: str) -> float:
        k = self._vocab.get("w:" + word)
        return float(self._w[k]) if k is not None else self._weight("w:" + word, 0)

    def _found(self, word: str, has, topics: bool = False) -> tuple[float, bool]:
        """How much of a word `has` (a term → bool test) holds, 1 whole to 0 not at all;
        and whether it holds a different word that looks alike (二手房 for 二手车).
        Read against a window's `topics`, a word that begins with a whole topic is about
        it (户口本 is a 户口 matter) though it is no item's word."""
        if has("w:" + word):
            return 1.0, False
        # A word that no item has may be what citizens say for a term an item has (房本
        # for 不动产权证书). Windows' topics read the lexicon on their own (_standard_terms).
        if not topics and word in self._lexicon and "w:" + word not in self._vocab:
            for standard in self._lexicon[word]:
                words = self._standard_words[standard]
                if words and all(has("w:" + w) for w in words):
                    return SYNONYM_MATCH, False
        if len(word) == 1 or word.isascii():
            return (SINGLE_CHAR_MATCH if has("c:" + word) else 0.0), False
        sounds = [pinyin_of(c) for c in word]
        pairs = [
            has("b:" + word[i : i + 2]) or has(f"p:{sounds[i]} {sounds[i + 1]}") for i in range(len(word) - 1)
        ]
        # Chinese words end in their head: 二手车 and 二手房 share 二手 but are not the same
        # thing, while 身分证 and 营业执招 end as their words do (by sound, at least).
        share = sum(pairs) / len(pairs)
        if pairs[-1]:
            return PARTIAL_MATCH * share, False
        if topics and any(has("w:" + word[:k]) for k in range(2, len(word))):
            return TOPIC_PREFIX_MATCH, False
        return HEADLESS_MATCH * share, share > 0

    def _read(self, said: Sequence[tuple[str, float]], found) -> tuple[float, float]:
        """How much of the weighted words `said` is found (`found`: a word -> what
        `_found` says of it): the share found, where a word found only as a look-alike
        counts double against (the question is about something else); and the share of
        the weight in such look-alikes."""
        got = total = plain = other_weight = 0.0
        for word, w in said:
            share, other = found(word)
            got += w * share
            total += w * (LOOKALIKE_PENALTY if other else 1.0)
            plain += w
            other_weight += w if other else 0.0
        return (got / total if total else 0.0), (other_weight / plain if plain else 0.0)

    def _item_has(self, i: int):
        ids = set(self._item_term_ids[self._item_term_start[i] : self._item_term_start[i + 1]].tolist())
        return lambda term: self._vocab.get(term, -1) in ids

    def read_latin(self, question: str) -> str:
        """The question with its English phrases in Chinese: 我的ID card丢了 → 我的居民身份证丢了."""
        text = simplify(question)
        if not self._latin_re:
            return text
        return self._latin_re.sub(lambda m: " " + self._latin[_letters(m.group())] + " ", text)

    def assess(self, question: str) -> Assessment:
        """Score the best candidates word by word, and every window's fit."""
        question = self.read_latin(question)
        rough = self.rough(question)
        said = [(w, self.word_weight(w)) for w in self.words(question)]
        heard = self.terms(question)
        flat = normalize(question).replace(" ", "")
        ranked = []
        in_general = " ".join(self._general_re.findall(simplify(question))) if self._general_re else ""
        content = frozenset(w for w, weight in said if weight >= WEIGHTY and w not in in_general)
        found_in: dict[str, frozenset[str]] = {}
        covered: dict[str, float] = {}
        # The question's terms are read against every candidate's phrases: once a word.
        heard_found: dict[str, tuple[float, bool]] = {}

        def in_question(word: str) -> tuple[float, bool]:
            if word not in heard_found:
                heard_found[word] = self._found(word, heard.__contains__)
            return heard_found[word]

        if said and len(rough):
            for i in _best(rough, CANDIDATES):
                if rough[i] <= 0:
                    break
                has = self._item_has(i)
                in_item: dict[str, tuple[float, bool]] = {}  # what is found of each word, once

                def found(word: str, has=has, in_item=in_item) -> tuple[float, bool]:
                    if word not in in_item:
                        in_item[word] = self._found(word, has)
                    return in_item[word]

                coverage, lookalike = self._read(said, found)
                closeness = max(self._read(p, in_question)[0] for p in self._item_phrases[i])
                # How much of the item's closest phrase stands in the question as written,
                # in order: what the bag of words cannot see (户口迁出 vs 迁出户口 alike,
                # but 开饭店要办什么证 as a whole).
                # Not when a word of the question only looks like one of the item's (二手车).
                resemblance = max((fuzz.partial_ratio(p, flat) for p in self._item_spellings[i]), default=0.0)
                if lookalike >= LOOKALIKE_SHARE:
                    resemblance = 0.0
                words = coverage ** (1 - CLOSENESS_SHARE) * closeness**CLOSENESS_SHARE
                score = (1 - RESEMBLANCE_SHARE) * words + RESEMBLANCE_SHARE * resemblance / 100
                ranked.append((self.items[i], score))
                found_in[self.items[i].id] = frozenset(w for w in content if found(w)[0] >= 0.5)
                covered[self.items[i].id] = coverage
        ranked.sort(key=lambda r: -r[1])

        # Where to send it: the windows' topics, read with the lexicon's standard terms
        # too (聋哑 is 残疾, 学车 is 驾驶证), and each window's best item.
        told = said + self._standard_terms(question)
        fit = {
            w.id: self._read(told, lambda word, terms=terms: self._found(word, terms.__contains__, topics=True))[0]
            for w, terms in zip(self.windows, self._topic_terms)
        }
        by_window: dict[str, float] = {}
        for item, score in ranked:
            by_window[item.window] = max(by_window.get(item.window, 0.0), score)
        named = self.standards_named(question)
        by_business = self._fit_by_business(named)
        windows = sorted(
            ((w, fit[w.id] + ROUTE_BY_ITEM * by_window.get(w.id, 0.0) + ROUTE_BY_BUSINESS * by_business.get(w.id, 0.0))
             for w in self.windows),
            key=lambda r: -r[1],
        )
        return Assessment(
            tuple(ranked), tuple(windows), self.actions(question), tuple(named), fit,
            content, found_in, covered
        )

    def _standard_terms(self, question: str) -> list[tuple[str, float]]:
        """The lexicon's standard words for what the question says. Each weighs what the
        citizen's own word weighs, or its own weight if less: a general word of the guides
        (登记, 办理) must not pull a question to whichever window lists it."""
        if not self._lexicon_re:
            return []
        out = []
        for said in set(self._lexicon_re.findall(simplify(question))):
            weight = self.word_weight(said)
            out += [
                (w, min(weight, self.word_weight(w))) for std in self._lexicon[said] for w in self._standard_words[std]
            ]
        return out

    def decide(self, a: Assessment) -> Match:
        """Answer, offer a choice, or route, from what was read."""
        th = self.thresholds
        # 开药店 (药品经营许可证) is not 食品经营许可证: the same kind of paper, another one,
        # which the base does not have. Neither answered nor offered: routed.
        if a.ranked and not self._another_of_its_kind(a.ranked[0][0], a.named):
            item, best = a.ranked[0]
            second = self._rival(a)
            needed = self.lead_needed(best)
            if self._settled_by_action(a, needed):
                needed = th.lead
            ahead = best >= th.answer and best - second >= needed
            if ahead and not self._acts_otherwise(item, a.actions):
                equal = self._equal_readings(a)
                if equal:  # 营业执照怎么办: 个体户 or 公司?
                    return Match(CHOOSE, self.base.window_of(item), candidates=(item, *equal), score=best)
                return Match(ANSWERED, self.base.window_of(item), item=item, score=best)
            if best >= th.answer and self._acts_otherwise(item, a.actions):
                # The item is for another action than the one asked (外省户口迁进来 read
                # as 户口迁出, 芯片坏了 as 补领). With an item of its window for that action
                # close behind, the citizen chooses. With none, and the item far enough
                # ahead, the base may not have it (营业执照丢了, no 补领): routed, rather
                # than the wrong list.
                floor = ACTION_CLOSE * best if ahead else best - th.band
                close = [
                    it for it, s in a.ranked[1:MAX_CHOICES]
                    if s >= floor and it.window == item.window and self._acts_as(it, a.actions)
                ]
                if close:
                    return Match(CHOOSE, self.base.window_of(close[0]), candidates=(close[0], item), score=best)
            if not ahead and best >= th.choose:
                near = [it for it, s in a.ranked[:MAX_CHOICES] if s >= max(th.choose, best - th.band)]
                # Two readings of a question may belong to two windows (上户口 or 医保?),
                # but three or more items of several windows are not one question's
                # readings: they only share a word (丢了怎么补).
                if len(near) > 2 and len({it.window for it in near}) > 1:
                    near = []
                otherwise = [self._acts_otherwise(it, a.actions) for it in near]
                if near and all(otherwise):
                    near = []  # none of them does what is asked: as above, routed
                # Near ones that differ only by action (身份证补领 / 换领): the best is
                # answered if it alone does what is asked (丢了: 补领).
                if len(near) >= 2 and self._acts_as(near[0], a.actions) and all(otherwise[1:]):
                    return Match(ANSWERED, self.base.window_of(near[0]), item=near[0], score=best)
                if len(near) >= 2:
                    return Match(CHOOSE, self.base.window_of(near[0]), candidates=tuple(near), score=best)
        window, fit = a.windows[0] if a.windows else (self.base.default_window, 0.0)
        if fit < th.route:
            window = self.base.default_window
        # The window's clerk would ask 您是不是要办…? of an item close enough: the citizen,
        # not the matcher, decides whether it is meant.
        # 婚姻登记要带什么: no item is far enough ahead, but everything the question says is
        # found among the items of the window it goes to; its clerk would ask which one.
        own = [it for it, score in a.ranked if it.window == window.id and score >= th.among][:MAX_CHOICES]
        if (window is not self.base.default_window and len(own) >= 2 and a.content
                and a.content <= frozenset().union(*(a.found_in[it.id] for it in own))
                and not any(self._acts_otherwise(it, a.actions) for it in own)):
            return Match(CHOOSE, window, candidates=tuple(own), score=a.ranked[0][1])
        suggestions = tuple(it for it, s in a.ranked if it.window == window.id and s >= th.suggest)
        return Match(ROUTED, window, score=fit, suggestions=suggestions[:MAX_SUGGESTIONS])

    def _another_of_its_kind(self, item: Item, named: Sequence[tuple[str, float]]) -> str:
        """The standard term of the lexicon that the question names, by a phrase of its own
        (开药店, not 药), that the item does not name but that ends as one it names, with
        a first part of its own: 药品经营许可证 is not 食品经营许可证, nor is 临时居民身份证
        居民身份证. Empty when there is none."""
        own = self._item_standards[self._index[item.id]]
        if any(term in own for term, _ in named):
            return ""  # 结婚离婚都在这办吗: it names the item's own too
        for term, says in named:
            if says < 0.9:
                continue
            for other in own:
                same = len(os.path.commonprefix([term[::-1], other[::-1]]))
                if same >= KIND_ENDING and len(term) > same:
                    return term
        return ""

    def actions(self, text: str) -> frozenset[str]:
        """What a text asks to be done (the lexicon's actions): 身份证丢了，补办要啥 → {补领}."""
        text = simplify(text)
        return frozenset(a for a, phrases in self._actions.items() if any(p in text for p in phrases))

    def _equal_readings(self, a: Assessment) -> list[Item]:
        """Items of the best's window that the question fits as fully as the best and that
        do the same: 营业执照怎么办 fits 个体工商户设立登记 and 有限责任公司设立登记 alike,
        and says nothing to tell them apart; the best may only have an alias that looks
        more like it. Not when the question fits the best little (under EQUAL_COVERAGE)."""
        best = a.ranked[0][0]
        covered = a.coverage.get(best.id, 0.0)
        if covered < EQUAL_COVERAGE:
            return []
        return [
            it for it, _ in a.ranked[1:]
            if it.window == best.window and a.coverage.get(it.id, 0.0) >= covered - 0.01
            and self.actions_of(it) == self.actions_of(best)
        ][: MAX_CHOICES - 1]

    def _settled_by_action(self, a: Assessment, needed: float) -> bool:
        """The best item does what is asked (没办过: 首次) and every item near it does
        something else (补领, 换领), and its window is the one the question is most
        about by the topics (公司要注销，清税证明怎么开 is a tax question, not 公司注销):
        the action settles it, and the small lead of a sure item is enough."""
        best, score = a.ranked[0]
        near = [it for it, s in a.ranked[1:] if score - s < needed]
        return (bool(near) and self._acts_as(best, a.actions)
                and all(self._acts_otherwise(it, a.actions) for it in near)
                and a.topics.get(best.window, 0.0) >= max(a.topics.values(), default=0.0))

    def _rival(self, a: Assessment) -> float:
        """The score the best item must lead. When the question is plainly about the best
        item's window (its topics fit), an item of a window whose topics do not fit at
        all is no rival: 孩子8岁要办护照 is a passport question, whatever 残疾人证新办
        shares with it (办, 新)."""
        best = a.ranked[0][0]
        rivals = a.ranked[1:]
        if a.topics.get(best.window, 0.0) >= WINDOW_PLAIN:
            rivals = [(it, s) for it, s in rivals if it.window == best.window
                      or a.topics.get(it.window, 0.0) >= RIVAL_WINDOW]
        return max((s for _, s in rivals), default=0.0)

    def actions_of(self, item: Item) -> frozenset[str]:
        """What the item does (the lexicon's actions), read from its title, aliases and keywords."""
        return self._item_actions[self._index[item.id]]

    def _acts_as(self, item: Item, asked: frozenset[str]) -> bool:
        return bool(asked & self.actions_of(item))

    def _acts_otherwise(self, item: Item, asked: frozenset[str]) -> bool:
        """The item is for an action, and not for the one asked."""
        own = self.actions_of(item)
        return bool(asked and own and not asked & own)

    def lead_needed(self, best: float) -> float:
        """How far ahead of the next item the best must be to be answered: the less
        sure it is, the further."""
        th = self.thresholds
        return max(th.lead, th.slope * (th.sure - best))

    def match(self, question: str) -> Match:
        return self.decide(self.assess(question))

    def explain(self, question: str, top: int = 3) -> Reading:
        """The decision with what led to it: the question's words, the best items and
        the words each lacks, the best windows."""
        a = self.assess(question)
        said = tuple((w, self.word_weight(w)) for w in self.words(self.read_latin(question)))
        candidates = []
        for item, score in a.ranked[:top]:
            has = self._item_has(self._index[item.id])
            lacks = tuple(w for w, weight in said if weight >= WEIGHTY and self._found(w, has)[0] < 0.5)
            candidates.append((item, score, lacks))
        best = a.ranked[0][1] if a.ranked else 0.0
        rival = self._rival(a) if a.ranked else 0.0
        kind = self._another_of_its_kind(a.ranked[0][0], a.named) if a.ranked else ""
        return Reading(
            self.decide(a), said, tuple(candidates), a.windows[:top], self.lead_needed(best), a.actions, rival, kind
        )


def _plain_registration(title: str) -> frozenset[str]:
    """A title that is only X登记 or X备案 (结婚登记, 参保登记, 异地就医备案) names no action
    of its own: it registers something anew, as 设立 or 首次 do, and is not for 注销, 变更
    or 转移."""
    title = re.sub(r"[（(][^（()）]*[）)]$", "", simplify(title))  # 结婚登记（内地居民）
    return frozenset({"设立", "首次"}) if title.endswith(("登记", "备案")) else frozenset()


def _best(scores: np.ndarray, k: int) -> np.ndarray:
    """The indices of the k highest scores, highest first, ties by index: what a stable
    argsort gives, without sorting all 10,000 items for the best dozen."""
    if len(scores) > k:
        cut = scores[np.argpartition(-scores, k - 1)[k - 1]]
        above = np.flatnonzero(scores > cut)
        top = np.concatenate([above, np.flatnonzero(scores == cut)[: k - len(above)]])
    else:
        top = np.arange(len(scores))
    return top[np.argsort(-scores[top], kind="stable")]


def _letters(latin: str) -> str:
    """An English phrase however spaced or hyphenated: ID card, id-card, IDcard → idcard."""
    return re.sub(r"[^a-z]", "", latin)


def _phrases(item: Item) -> list[str]:
    """What staff wrote to name an item: its title, each alias, its keywords together."""
    return [item.title, *item.aliases, *([" ".join(item.keywords)] if item.keywords else [])]


class _Postings:
    """term id -> the ids of the documents that hold it, as one compact block."""

    def __init__(self, terms: np.ndarray, docs: np.ndarray, n_terms: int):
        self.docs = docs[np.argsort(terms, kind="stable")]
        self.start = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=n_terms), out=self.start[1:])

    def gather(self, terms: list[int], weights: list[float], size: int) -> np.ndarray:
        """Per document, the sum of the weights of the given terms it holds."""
        docs, values = [], []
        for t, w in zip(terms, weights):
            a, b = self.start[t], self.start[t + 1]
            if a < b:
                docs.append(self.docs[a:b])
                values.append(np.full(b - a, w))
        if not docs:
            return np.zeros(size)
        return np.bincount(np.concatenate(docs), weights=np.concatenate(values), minlength=size)
