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
        kind, what = _input(text, buttons)
        try:
            show(_turn(clerk, who, kind, what))
        except Exception:  # noqa: BLE001 - one failed turn must not end the chat
            log.exception("the clerk failed on %r", text)
            _apologise(clerk, who, kind, what, out)
    show(clerk.leave(who))


def _input(text: str, buttons: list[Button]) -> tuple[str, str]:
    """What a typed line is, as the clerk logs it: a number presses a button ("press", its
    id); /word is a command ("command", "/word"); anything else is a message ("text")."""
    if text.isdecimal() and 1 <= int(text) <= len(buttons):
        return "press", buttons[int(text) - 1].id
    if text.startswith("/") and len(text) > 1 and text[1:].split()[0].isascii():
        return "command", "/" + text[1:].split()[0].casefold()
    return "text", text


def _turn(clerk: Clerk, who: Chat, kind: str, what: str) -> Turn:
    if kind == "press":
        return clerk.press(who, what)
    if kind == "command":
        return clerk.start(who) if what == "/start" else clerk.command(who, what[1:])
    return clerk.text(who, what)


def _apologise(clerk: Clerk, who: Chat, kind: str, what: str, out: TextIO) -> None:
    """The apology, recorded with what the citizen sent; said even if the store fails too.
    The buttons shown before stay pressable: the citizen may simply try again."""
    try:
        replies = clerk.failed(who, kind, what).replies
    except Exception:  # noqa: BLE001
        log.exception("the failed turn could not be recorded either")
        print(clerk.notices.say("error"), file=out, flush=True)
        return
    for reply in replies:
        print(render(reply), file=out)
    out.flush()


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
