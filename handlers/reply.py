"""What the clerk says, as plain objects any channel can render.

A ``Reply`` is one message: lines of styled spans, and rows of buttons. A button has a
short id (``item:id-card-renew``, ``rate:12:5``, ``done:12``) that comes back to the clerk
when it is pressed; Telegram sends it as ``callback_data``, the terminal as a number.
A ``Turn`` is everything one input gets back: replies, a short toast for a pressed
button, and when the idle timer should next fire.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

PLAIN, BOLD, ITALIC = "", "b", "i"


@dataclass(frozen=True)
class Span:
    text: str
    style: str = PLAIN  # PLAIN, BOLD or ITALIC


Line = tuple[Span, ...]


@dataclass(frozen=True)
class Button:
    id: str  # what comes back when pressed; at most 64 bytes (Telegram's callback_data)
    label: str


@dataclass(frozen=True)
class Reply:
    lines: tuple[Line, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()
    said: str = ""  # what kind of reply this is (a phrase key, "notice"...), for transcripts

    def plain(self) -> str:
        """The text without styles, one line per line."""
        return "\n".join("".join(s.text for s in line) for line in self.lines)

    def all_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]


@dataclass(frozen=True)
class Turn:
    replies: tuple[Reply, ...] = ()
    toast: str = ""  # a short answer to a pressed button, shown briefly
    idle_due: datetime | None = None  # when the idle timer fires; None: no timer
    # False: nothing happened (an idle timer that fired too early); keep the timer as is.
    changed: bool = field(default=True)

    def buttons(self) -> list[Button]:
        return [b for r in self.replies for b in r.all_buttons()]
