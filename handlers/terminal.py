"""The terminal chat: the same clerk without Telegram, for staff trying their base (and CI).

Reads one message a line until EOF, ``quit`` or ``exit``; works the same from a pipe.
Buttons are shown numbered: typing the number presses it. ``/help``, ``/windows``,
``/hours``, ``/cancel`` and ``/start`` work as on Telegram. There is no idle timer here:
the exchange ends with 办完了, 谢谢, or at the end of input.
"""
from __future__ import annotations

import logging
from typing import Iterable, Iterator, TextIO

from transcripts.store import Chat

from .clerk import Clerk
from .reply import Button, Reply, Turn

log = logging.getLogger(__name__)

PROMPT = "> "
QUIT = ("quit", "exit")
TERMINAL = Chat("terminal", 0, 0)


def render(reply: Reply, first_number: int = 1) -> str:
    """Plain text, then the buttons numbered from ``first_number``, one row a line."""
    lines = [reply.plain()]
    n = first_number
    for row in reply.buttons:
        labels = []
        for button in row:
            labels.append(f"{n}. {button.label}")
            n += 1
        lines.append("  " + "  ".join(labels))
    return "\n".join(lines)


def chat(clerk: Clerk, lines: Iterable[str], out: TextIO, prompt: bool = False,
         who: Chat = TERMINAL) -> None:
    """Talk with the clerk: each of ``lines`` is one message; ``prompt`` when a person is
    typing."""
    buttons: list[Button] = []  # those of the last turn, numbered from 1

    def show(turn: Turn) -> None:
        nonlocal buttons
        if turn.toast:
            print(turn.toast, file=out)
        numbered: list[Button] = []
        for reply in turn.replies:
            print(render(reply, len(numbered) + 1), file=out)
            numbered += reply.all_buttons()
        if numbered:
            print(clerk.phrases.say("terminal_pick"), file=out)
        if turn.replies:
            buttons = numbered
        out.flush()

    show(clerk.start(who))
    for line in _prompted(lines, out) if prompt else lines:
        text = line.strip()
        if text.casefold() in QUIT:
            break
        if not text:
            continue
        try:
            show(_turn(clerk, who, text, buttons))
        except Exception:  # noqa: BLE001 - one failed turn must not end the chat
            log.exception("the clerk failed on %r", text)
            print(clerk.notices.say("error"), file=out, flush=True)
    show(clerk.leave(who))


def _turn(clerk: Clerk, who: Chat, text: str, buttons: list[Button]) -> Turn:
    """A number presses a button; /word is a command; anything else is a message."""
    if text.isdecimal() and 1 <= int(text) <= len(buttons):
        return clerk.press(who, buttons[int(text) - 1].id)
    if text.startswith("/") and len(text) > 1 and text[1:].split()[0].isascii():
        name = text[1:].split()[0].casefold()
        return clerk.start(who) if name == "start" else clerk.command(who, name)
    return clerk.text(who, text)


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
