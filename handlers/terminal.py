"""The terminal chat: the bot without Telegram, for staff trying their base (and for CI).

Reads one message a line until EOF, ``quit`` or ``exit``; works the same from a pipe.
"""
from __future__ import annotations

from typing import Iterable, Iterator, TextIO

from knowledge.match import ANSWERED, CHOOSE, Match, Matcher
from knowledge.model import Base

from .notice import hall_contact_lines, notice_text, window_text

# Sentences citizens read. To be moved to the phrases file staff edit (conversation
# issue); kept in this one dict until then.
PHRASES = {
    "greet": "您好，欢迎来到{hall}！请问您要办什么事？",
    "choose": "您要办的是下面哪一项？请回复序号：",
    "route": "这件事请到{window}咨询办理。",
    "bye": "感谢您的来访，慢走！",
}
PROMPT = "> "
QUIT = ("quit", "exit")


def reply_text(base: Base, match: Match) -> str:
    """What the window says for one decision of the matcher."""
    if match.status == ANSWERED:
        return notice_text(base, match.item)
    if match.status == CHOOSE:
        lines = [PHRASES["choose"]]
        lines += [f"  {n}. {item.title}" for n, item in enumerate(match.candidates, 1)]
        return "\n".join(lines)
    lines = [PHRASES["route"].format(window=window_text(match.window))]
    return "\n".join(lines + hall_contact_lines(base))


def chat(base: Base, matcher: Matcher, lines: Iterable[str], out: TextIO, prompt: bool = False) -> None:
    """Answer each of ``lines`` on ``out``; ``prompt`` when a person is typing."""

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    say(PHRASES["greet"].format(hall=base.hall.name))
    offered = ()  # the candidates of the last choice, so that a number picks one
    for line in _prompted(lines, out) if prompt else lines:
        text = line.strip()
        if text.casefold() in QUIT:
            break
        if not text:
            continue
        if offered and text.isdecimal() and 1 <= int(text) <= len(offered):
            say(notice_text(base, offered[int(text) - 1]))
            offered = ()
            continue
        match = matcher.match(text)
        offered = match.candidates if match.status == CHOOSE else ()
        say(reply_text(base, match))
    say(PHRASES["bye"])


def _prompted(lines: Iterable[str], out: TextIO) -> Iterator[str]:
    """Show the prompt before each line is read."""
    it = iter(lines)
    while True:
        out.write(PROMPT)
        out.flush()
        line = next(it, None)
        if line is None:
            out.write("\n")  # so the farewell does not follow the prompt at ^D
            return
        yield line
