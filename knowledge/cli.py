"""`bot.py match`: one JSON line per question, the contract of shared/eval/README.md."""
from __future__ import annotations

import json
from typing import Iterable, TextIO

from .match import ROUTED, Match, Matcher


def match_lines(matcher: Matcher, lines: Iterable[str], out: TextIO) -> None:
    """Write one JSON object per line of ``lines``, in order, flushed as it is written.

    A blank line still gets its line (routed to the default window), so that the n-th
    answer always belongs to the n-th question.
    """
    for line in lines:
        question = line.strip()
        if question:
            match = matcher.match(question)
        else:
            match = Match(ROUTED, matcher.base.default_window)
        print(json.dumps(match.as_json(question), ensure_ascii=False), file=out, flush=True)
