"""The clerk: what the window says to a citizen, step by step. No Telegram here.

来有迎声、问有答声、走有送声: greet on arrival, answer every question, see them off.
Each kind of input (a text, a pressed button, a command, a sticker, the idle timer) is
one method that loads the conversation from the store, takes one step, writes the step
and every message both ways in one transaction, and returns a ``Turn`` of plain replies.
The Telegram and terminal channels only render those (see ``conversation.mmd``).

It lives in ``handlers/`` because the project's top level is fixed (bot.py, handlers/,
knowledge/, transcripts/); it imports nothing of Telegram, and a test keeps it so.

The steps of a conversation (``State.step``):

- IDLE: no exchange open. Any input opens one, greeted.
- OPEN: an exchange is open; every answer offers 还有问题 / 办完了.
- CHOOSING: candidates were offered; a press (or their number) picks one.
- REASON: a low rating was given; the next text is its reason.

An exchange ends on 办完了, on 谢谢/再见/没有了, or after the idle time; then the citizen
is asked once for a rating (only if they asked something), never again.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Callable

from knowledge.match import ANSWERED, CHOOSE, Match
from knowledge.model import Base, Item
from knowledge.phrases import RATING_LEVELS, Phrases
from transcripts.store import Chat, Store

from .notice import ASKABLE, Notices
from .reply import Button, Reply, Span, Turn

IDLE, OPEN, CHOOSING, REASON = "idle", "open", "choosing", "reason"
MAX_QUESTION = 1000  # characters; a longer message is not read as a question
COMMON_ITEMS = 8  # menu size when phrases.yaml names no common item of this base
LOW_RATING = 2  # 不满意 and 非常不满意 ask for the reason
BUTTON_ID_MAX = 64  # bytes: Telegram's limit on callback_data, the tightest channel's
# Replies that end with the goodbye when no exchange is open (走有送声: said once).
SEEN_OFF = ("goodbye", "rate_thanks", "reason_thanks")
_NOT_WORDS = re.compile(r"[\W_]+")  # punctuation, spaces, emoji


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class State:
    """What the conversation needs to continue (persisted in ``conversations``)."""

    exchange: int | None = None  # the open exchange
    offered: tuple[str, ...] = ()  # item ids of the choice on offer
    last_item: str | None = None  # the last notice sent, to spot a repeated press
    reason_for: int | None = None  # the exchange whose low rating waits for a reason
    idle_due: datetime | None = None

    @property
    def step(self) -> str:
        if self.reason_for:
            return REASON
        if self.exchange and self.offered:
            return CHOOSING
        return OPEN if self.exchange else IDLE


def _squeeze(text: str) -> str:
    return _NOT_WORDS.sub("", text.casefold())


def only_words(text: str, words: tuple[str, ...], filler: tuple[str, ...] = ()) -> bool:
    """True if ``text`` says nothing but some of ``words`` (at least one), and ``filler``."""
    rest = _squeeze(text)
    if not any(w in rest for w in words):
        return False
    for word in sorted(words + filler, key=len, reverse=True):
        rest = rest.replace(word, "")
    return rest == ""


def says_any(text: str, words: tuple[str, ...]) -> bool:
    folded = text.casefold()
    return any(w in folded for w in words)


def asks_only(text: str, asking: tuple[str, ...], besides: tuple[str, ...]) -> bool:
    """True if ``text`` asks something of ``asking`` and says none of ``besides`` in its
    other clauses: 投诉电话是多少 asks for a number; 投诉电话是多少？5号窗口态度很差，
    我要投诉 also complains."""
    clauses = [c for c in _NOT_WORDS.split(text.casefold()) if c]
    asked = [c for c in clauses if says_any(c, asking)]
    rest = [c for c in clauses if c not in asked]
    return bool(asked) and not any(says_any(c, besides) for c in rest)


class Clerk:
    """The window clerk for one hall: base, matcher, phrases and the store."""

    def __init__(self, base: Base, matcher, phrases: Phrases, store: Store,
                 idle: timedelta = timedelta(minutes=10),
                 clock: Callable[[], datetime] = utcnow):
        self.base, self.matcher, self.phrases, self.store = base, matcher, phrases, store
        self.notices = Notices(base, phrases)
        self.idle_time = idle
        self.clock = clock
        # Item ids too long for a button travel as a digest of the id.
        self._digests = {_digest(i): i for i in base.items}

    # == replies: one small function per step, plain objects, no state ======================

    def _reply(self, key: str, *, said: str | None = None, before: list = (),
               buttons=(), **values) -> Reply:
        lines = [*before, *self.notices.lines(key, **values)]
        return Reply(tuple(lines), tuple(buttons), said or key)

    def _after(self, exchange: int) -> tuple[tuple[Button, ...], ...]:
        """还有问题 / 办完了: offered after every answer."""
        b = self.phrases.buttons
        return ((Button(f"more:{exchange}", b["more"]), Button(f"done:{exchange}", b["done"])),)

    def greeting(self) -> Reply:
        """您好！欢迎……请问您要办理什么业务？ with the menu."""
        b = self.phrases.buttons
        menu = ((Button("menu:common", b["common"]), Button("menu:windows", b["windows"]),
                 Button("menu:hours", b["hours"])),)
        return self._reply("greeting", buttons=menu)

    def notice(self, item: Item, exchange: int, asked: tuple[str, ...] = (),
               before: list = ()) -> Reply:
        """The complete notice (一次性告知), the asked parts first."""
        lines = [*before, *self.notices.notice(item, asked)]
        return Reply(tuple(lines), self._after(exchange), "notice")

    def choice(self, items: tuple[Item, ...], key: str = "choose", before: list = ()) -> Reply:
        """Which one? One button per candidate."""
        return self._reply(key, before=before, buttons=_item_rows(items))

    def routing(self, match: Match, exchange: int, before: list = ()) -> Reply:
        """对不起，这个问题请到X号窗口（名称，位置）咨询, with the hours and hotline; and a
        button for each item of that window that may still be meant."""
        lines = [*before, *self.notices.lines("route", window=self.notices.window(match.window)),
                 *self.notices.lines("route_contact")]
        rows = _item_rows(match.suggestions)
        if rows:
            lines += self.notices.lines("route_suggest")
        return Reply(tuple(lines), rows + self._after(exchange), "route")

    def rating_prompt(self, exchange: int, before: list = ()) -> Reply:
        """请对我的工作作出评价, with the five levels of 好差评, best first."""
        rows = tuple((Button(f"rate:{exchange}:{level}", self.phrases.rating_label(level)),)
                     for level in range(RATING_LEVELS, 0, -1))
        return self._reply("rate", before=before, buttons=rows)

    def windows(self) -> Reply:
        """Every window: number, name, location."""
        lines = self.notices.lines("windows", count=len(self.base.windows))
        lines += [(Span(self.notices.window(w)),) for w in self.base.windows.values()]
        return Reply(tuple(lines), (), "windows")

    def common_items(self) -> tuple[Item, ...]:
        """The 常办事项 staff chose (those in this base), else the base's first items."""
        chosen = tuple(self.base.items[i] for i in self.phrases.common_items if i in self.base.items)
        return chosen or tuple(self.base.items.values())[:COMMON_ITEMS]

    # == inputs: one method each, one transaction each =====================================

    def start(self, chat: Chat) -> Turn:
        """/start: a fresh exchange, greeted with the menu."""
        now = self.clock()
        with self.store.atomic():
            st = self._load(chat)
            if st.exchange:
                self.store.end_exchange(st.exchange, now, "restart")
            st = State(exchange=self.store.open_exchange(chat, now), last_item=st.last_item)
            self._log_in(chat, st.exchange, now, "command", "/start")
            return self._done(chat, st, now, [self.greeting()])

    def command(self, chat: Chat, name: str) -> Turn:
        """/help, /windows, /hours, /cancel, or a command we do not have."""
        now = self.clock()
        with self.store.atomic():
            st = self._load(chat)
            if name == "cancel":
                self._log_in(chat, st.exchange or st.reason_for, now, "command", "/cancel")
                if st.exchange:
                    self.store.end_exchange(st.exchange, now, "cancel")
                st = State(last_item=st.last_item)
                return self._done(chat, st, now, [self._reply("cancel")])
            st, before = self._open(chat, replace(st, reason_for=None), now)
            self._log_in(chat, st.exchange, now, "command", f"/{name}")
            if name == "help":
                reply = self._reply("help", before=before)
            elif name == "windows":
                reply = self.windows()
                reply = replace(reply, lines=(*before, *reply.lines))
            elif name == "hours":
                reply = self._reply("hours", before=before)
            else:
                reply = self._reply("unknown_command", before=before)
            return self._done(chat, st, now, [reply])

    def text(self, chat: Chat, text: str) -> Turn:
        """A message typed by the citizen."""
        now = self.clock()
        with self.store.atomic():
            st = self._load(chat)
            if st.reason_for:
                return self._reason(chat, st, now, text)
            rated = self._typed_rating(chat, st, text)
            if rated:
                return self._rate(chat, st, now, rated, typed=text)
            st, before = self._open(chat, st, now)
            message = self._log_in(chat, st.exchange, now, "text", text)
            words = self.phrases.words
            filler = words["filler"]
            if not _squeeze(text):
                return self._done(chat, st, now, [self._reply("no_words", before=before)])
            if only_words(text, words["hello"], filler) or (before and only_words(text, filler)):
                return self._done(chat, st, now, [self.greeting()])
            if only_words(text, words["goodbye"], filler):
                return self._end(chat, st, now, "goodbye")
            if only_words(text, filler):
                return self._done(chat, st, now, [self._reply("more", buttons=self._after(st.exchange))])
            # Asking the complaint line's number (投诉电话是多少) is a question, not a complaint.
            if asks_only(text, words["phone"], words["complaint"] + words["suggestion"]):
                self.store.count_question(st.exchange)
                reply = self._reply("phone", before=before, buttons=self._after(st.exchange))
                return self._done(chat, st, now, [reply])
            for kind in ("complaint", "suggestion"):
                if says_any(text, words[kind]):
                    self.store.add_complaint(st.exchange, message, now, kind, text)
                    self.store.count_question(st.exchange)
                    reply = self._reply(kind, before=before, buttons=self._after(st.exchange))
                    return self._done(chat, st, now, [reply])
            if says_any(text, words["praise"]):
                self.store.count_question(st.exchange)
                reply = self._reply("praise", before=before, buttons=self._after(st.exchange))
                return self._done(chat, st, now, [reply])
            if len(text) > MAX_QUESTION:
                return self._done(chat, st, now, [self._reply("too_long", before=before)])
            if says_any(text, words["upset"]):
                before = [*before, *self.notices.lines("patience")]
            pick = text.strip()
            if st.offered and pick.isdecimal() and 1 <= int(pick) <= len(st.offered) \
                    and st.offered[int(pick) - 1] in self.base.items:
                item = self.base.items[st.offered[int(pick) - 1]]
                return self._told(chat, st, now, item, before=before)
            return self._question(chat, st, now, text, message, before)

    def press(self, chat: Chat, data: str) -> Turn:
        """A button pressed: ``item:<id>``, ``menu:<what>``, ``more:<x>``, ``done:<x>``,
        ``rate:<x>:<level>``. A stale or repeated press gets a polite answer."""
        now = self.clock()
        kind, _, arg = data.partition(":")
        if kind == "item" and arg.startswith("#"):
            arg = self._digests.get(arg[1:], arg)
        with self.store.atomic():
            st = self._load(chat)
            if kind == "rate":
                return self._rate(chat, st, now, data)
            # Pressing on rather than writing the reason: the reason is not coming.
            st = replace(st, reason_for=None)
            if kind == "done":
                exchange = _int(arg)
                if exchange and exchange == st.exchange:
                    self._log_in(chat, exchange, now, "press", data)
                    return self._end(chat, st, now, "done")
                ours = exchange and self._own_exchange(chat, exchange)
                self._log_in(chat, exchange if ours else None, now, "press", data)
                return self._toast(chat, exchange if ours else None, now, st, "already_done")
            if kind == "item" and arg in self.base.items:
                st, _ = self._open(chat, st, now, greet=False)
                self._log_in(chat, st.exchange, now, "press", data)
                if arg == st.last_item and arg not in st.offered:
                    return self._toast(chat, st.exchange, now, st, "already_shown")
                return self._told(chat, st, now, self.base.items[arg])
            st, _ = self._open(chat, st, now, greet=False)
            self._log_in(chat, st.exchange, now, "press", data)
            if kind == "more":
                reply = self._reply("more")
            elif data == "menu:common":
                items = self.common_items()
                st = replace(st, offered=tuple(i.id for i in items))
                reply = self.choice(items, "common_items")
            elif data == "menu:windows":
                reply = self.windows()
            elif data == "menu:hours":
                reply = self._reply("hours")
            else:  # an item no longer in the base, or a button of an older version
                reply = self._reply("stale")
            return self._done(chat, st, now, [reply])

    def other(self, chat: Chat, kind: str) -> Turn:
        """Anything but text (a sticker, photo, voice, file, location, contact...) or an
        edited message (``kind`` "edited"): a polite word, never a crash."""
        now = self.clock()
        with self.store.atomic():
            st = self._load(chat)
            st, before = self._open(chat, st, now)
            self._log_in(chat, st.exchange, now, kind, f"[{kind}]")
            key = "edited" if kind == "edited" else "not_text"
            return self._done(chat, st, now, [self._reply(key, before=before)])

    def idle(self, chat: Chat) -> Turn:
        """The idle timer fired: end the exchange and ask once for a rating."""
        now = self.clock()
        with self.store.atomic():
            st = self._load(chat)
            if not st.exchange or not st.idle_due or st.idle_due > now:
                return Turn(idle_due=st.idle_due if st.exchange else None, changed=False)
            return self._end(chat, st, now, "idle", before=self.notices.lines("idle_end"))

    def leave(self, chat: Chat) -> Turn:
        """The citizen left without a word (the terminal's quit or end of input): the
        goodbye, unless the last reply already said it (after a rating, say)."""
        now = self.clock()
        with self.store.atomic():
            st = self._load(chat)
            if st.exchange:
                self.store.end_exchange(st.exchange, now, "left")
            seen_off = st.step == IDLE and self.store.last_reply(chat)[0] in SEEN_OFF
            replies = [] if seen_off else [self._reply("goodbye")]
            return self._done(chat, State(last_item=st.last_item), now, replies,
                              exchange=st.exchange)

    def failed(self, chat: Chat, kind: str, text: str) -> Turn:
        """A step failed and wrote nothing (its transaction rolled back; the channel logs
        why): record what the citizen sent and the apology they get, so that the
        transcript shows the turn whole. ``kind`` and ``text`` as the step logs them."""
        now = self.clock()
        with self.store.atomic():
            st, before = self._load(chat), []
            # Opened and greeted as any message would; a reason that failed is still
            # awaited; a press (a rating, say) opens nothing, so that a retry works.
            if not st.reason_for and kind != "press":
                st, before = self._open(chat, st, now)
            exchange = st.reason_for or st.exchange
            self._log_in(chat, exchange, now, kind, text)
            return self._done(chat, st, now, [self._reply("error", before=before)],
                              exchange=exchange)

    # == the steps behind the inputs ========================================================

    def _question(self, chat, st: State, now, text: str, message: int, before) -> Turn:
        """Ask the matcher; answer, offer a choice, or route (and record it as pending)."""
        match = self.matcher.match(text)
        self.store.add_decision(message, match.status, match.item.id if match.item else None,
                                match.window.id, [c.id for c in match.candidates], match.score)
        if match.status == ANSWERED:
            asked = tuple(k for k in ASKABLE if says_any(text, self.phrases.words[k]))
            return self._told(chat, st, now, match.item, asked, before)
        self.store.count_question(st.exchange)
        if match.status == CHOOSE:
            st = replace(st, offered=tuple(c.id for c in match.candidates))
            return self._done(chat, st, now, [self.choice(match.candidates, before=before)])
        self.store.add_pending(st.exchange, message, now, match.window.id, text)
        st = replace(st, offered=tuple(i.id for i in match.suggestions))
        return self._done(chat, st, now, [self.routing(match, st.exchange, before)])

    def _told(self, chat, st: State, now, item: Item, asked=(), before=()) -> Turn:
        """Send ``item``'s notice."""
        self.store.count_question(st.exchange)
        st = replace(st, offered=(), last_item=item.id)
        return self._done(chat, st, now, [self.notice(item, st.exchange, asked, list(before))])

    def _end(self, chat, st: State, now, reason: str, before=()) -> Turn:
        """End the open exchange; ask for a rating if the citizen asked anything."""
        exchange = st.exchange
        self.store.end_exchange(exchange, now, reason)
        asked = self.store.exchange(exchange)["questions"] > 0
        st = replace(st, exchange=None, offered=())
        if asked:
            replies = [self.rating_prompt(exchange, list(before))]
        elif reason == "idle":
            replies = []  # greeted and left: nothing to rate, no one to see off
        else:
            replies = [self._reply("goodbye", before=list(before))]
        return self._done(chat, st, now, replies, exchange=exchange)

    def _typed_rating(self, chat: Chat, st: State, text: str) -> str | None:
        """满意 typed rather than pressed, right after the rating prompt, is the rating:
        the ``rate:<exchange>:<level>`` its button would have sent."""
        if st.exchange:
            return None
        words = self.phrases.words
        besides = words["filler"] + words["goodbye"]
        labels = {self.phrases.rating_label(level): level for level in range(1, RATING_LEVELS + 1)}
        level = next((lv for label, lv in labels.items() if only_words(text, (label,), besides)), None)
        if not level:
            return None
        said, exchange = self.store.last_reply(chat)
        return f"rate:{exchange}:{level}" if said == "rate" and exchange else None

    def _rate(self, chat, st: State, now, data: str, typed: str | None = None) -> Turn:
        """rate:<exchange>:<level>: one rating per exchange; a low one asks why.
        ``typed``: the citizen wrote the level rather than pressing its button."""
        _, exchange, level = (data.split(":") + ["", ""])[:3]
        exchange, level = _int(exchange), _int(level)
        row = self.store.exchange(exchange) if exchange else None
        if not row or not self._own_exchange(chat, exchange) or not row["ended"] \
                or level not in range(1, RATING_LEVELS + 1):
            st, _ = self._open(chat, st, now, greet=False)
            self._log_in(chat, st.exchange, now, "press", data)
            return self._done(chat, st, now, [self._reply("stale")])
        self._log_in(chat, exchange, now, *(("text", typed) if typed else ("press", data)))
        if row["rating"] is not None:
            return self._toast(chat, exchange, now, st, "rated_already")
        self.store.rate(exchange, level, self.phrases.rating_label(level), now)
        if level <= LOW_RATING:
            st = replace(st, reason_for=exchange)
            return self._done(chat, st, now, [self._reply("rate_reason")], exchange=exchange)
        closing = "more" if st.exchange else "goodbye"
        reply = self._reply(closing, said="rate_thanks", before=self.notices.lines("rate_thanks"))
        return self._done(chat, st, now, [reply], exchange=exchange)

    def _reason(self, chat, st: State, now, text: str) -> Turn:
        """The reason for a low rating, recorded; then see the citizen off."""
        exchange = st.reason_for
        self._log_in(chat, exchange, now, "reason", text)
        self.store.give_reason(exchange, text)
        st = replace(st, reason_for=None)
        closing = "more" if st.exchange else "goodbye"
        reply = self._reply(closing, said="reason_thanks",
                            before=self.notices.lines("reason_thanks"))
        return self._done(chat, st, now, [reply], exchange=exchange)

    def _toast(self, chat, exchange, now, st: State, key: str) -> Turn:
        """A short answer to a repeated press; no new message."""
        text = self.notices.say(key)
        self.store.add_message(chat, exchange, now, "out", "toast", text, said=key)
        return self._done(chat, st, now, [], toast=text)

    # == bookkeeping =======================================================================

    def _load(self, chat: Chat) -> State:
        row = self.store.conversation(chat)
        if row is None:
            return State()
        return State(exchange=row["exchange_id"], offered=row["offered"], last_item=row["last_item"],
                     reason_for=row["reason_for"], idle_due=row["idle_due"])

    def _open(self, chat: Chat, st: State, now, greet: bool = True) -> tuple[State, list]:
        """The open exchange, or a new one (and the short greeting to put first)."""
        if st.exchange:
            return st, []
        st = replace(st, exchange=self.store.open_exchange(chat, now), offered=())
        return st, (self.notices.lines("greeting_short") if greet else [])

    def _own_exchange(self, chat: Chat, exchange: int) -> bool:
        row = self.store.exchange(exchange)
        return bool(row) and (row["channel"], row["chat_id"], row["user_id"]) == \
            (chat.channel, chat.chat_id, chat.user_id)

    def _log_in(self, chat: Chat, exchange: int | None, now, kind: str, text: str) -> int:
        return self.store.add_message(chat, exchange, now, "in", kind, text)

    def _done(self, chat: Chat, st: State, now, replies: list[Reply], toast: str = "",
              exchange: int | None = None) -> Turn:
        """Log the replies, save the state, and (re)start the idle timer while open."""
        for reply in replies:
            buttons = [(b.id, b.label) for b in reply.all_buttons()]
            self.store.add_message(chat, exchange or st.exchange, now, "out", "text",
                                   reply.plain(), said=reply.said, buttons=buttons)
        st = replace(st, idle_due=now + self.idle_time if st.exchange else None)
        self.store.save_conversation(chat, now, step=st.step, exchange_id=st.exchange,
                                     offered=st.offered, last_item=st.last_item,
                                     reason_for=st.reason_for, idle_due=st.idle_due)
        return Turn(tuple(replies), toast, st.idle_due)


def _digest(item_id: str) -> str:
    return hashlib.sha256(item_id.encode()).hexdigest()[:16]


def _item_rows(items) -> tuple[tuple[Button, ...], ...]:
    """One button per item, its title on it."""
    return tuple((Button(_item_button(i.id), i.title),) for i in items)


def _item_button(item_id: str) -> str:
    """``item:<id>``, or ``item:#<digest of the id>`` when that would not fit a button."""
    data = f"item:{item_id}"
    return data if len(data.encode()) <= BUTTON_ID_MAX else f"item:#{_digest(item_id)}"


def _int(text: str) -> int | None:
    return int(text) if text.isdecimal() else None

