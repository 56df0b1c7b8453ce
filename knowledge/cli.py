"""`bot.py match`: one JSON line per question, the contract of shared/eval/README.md;
with ``explain``, what led to each decision, for staff trying their YAML."""
from __future__ import annotations

import json
from typing import Iterable, TextIO

from .match import ANSWERED, CHOOSE, ROUTED, Match, Matcher, Reading


def match_lines(matcher: Matcher, lines: Iterable[str], out: TextIO, explain: bool = False) -> None:
    """Write one JSON object per line of ``lines``, in order, flushed as it is written.

    A blank line still gets its line (routed to the default window), so that the n-th
    answer always belongs to the n-th question.
    """
    for line in lines:
        question = line.strip()
        reading = matcher.explain(question) if question and explain else None
        if reading:
            match = reading.match
        elif question:
            match = matcher.match(question)
        else:
            match = Match(ROUTED, matcher.base.default_window)
        print(json.dumps(match.as_json(question), ensure_ascii=False), file=out, flush=True)
        if reading:
            print(*explanation(reading, matcher), sep="\n", file=out, flush=True)


def explanation(r: Reading, matcher: Matcher) -> list[str]:
    """Indented lines under the JSON line: words, best items (with the words they lack),
    best windows, and the rule that decided."""
    th = matcher.thresholds
    lines = ["  words: " + " · ".join(f"{w} {weight:.1f}" for w, weight in r.words)]
    asked = " ".join(sorted(r.actions))
    if asked:
        lines.append(f"  asks for: {asked}")
    for n, (item, score, lacks) in enumerate(r.candidates, 1):
        lacking = f"; lacks {' '.join(lacks)}" if lacks else ""
        does = " ".join(sorted(matcher.actions_of(item)))
        does = f" [{does}]" if does else ""
        lines.append(f"  {n}. {score:.2f} {item.id} {item.title}{does}{lacking}")
    lines.append("  windows: " + " · ".join(f"{w.id} {fit:.2f}" for w, fit in r.windows))
    best = r.candidates[0][1] if r.candidates else 0.0
    ahead = best - r.rival
    far_enough = best >= th.answer and ahead >= r.lead_needed
    best_does = matcher.actions_of(r.candidates[0][0]) if r.candidates else frozenset()
    if r.match.status == ANSWERED and far_enough:
        why = f"answered: {best:.2f}, {ahead:.2f} ahead of the next (needed {r.lead_needed:.2f})"
        if len(r.candidates) > 1 and r.rival < r.candidates[1][1]:
            why += "; items of windows whose topics do not fit are no rivals"
    elif r.match.status == ANSWERED:
        why = f"answered: the only close item for {asked}, what the question asks for"
    elif r.match.status == CHOOSE and far_enough and best_does and r.actions and not r.actions & best_does:
        why = f"choose: the best item is not for {asked}, what the question asks for; an item for it is close behind"
    elif r.match.status == CHOOSE and far_enough:
        why = "choose: the question fits these as fully, and they do the same; nothing in it tells them apart"
    elif r.match.status == CHOOSE and best < th.choose:
        why = "choose: no item far enough ahead; among them, these items of one window hold all the question says"
    elif r.match.status == CHOOSE:
        why = f"choose: no item far enough ahead; these are within {th.band:.2f} of the best"
    elif r.another_kind:
        why = f"routed: the question names {r.another_kind}, another paper of the best item's kind"
    elif far_enough:
        why = f"routed: the best item is not for {asked}, what the question asks for, and no item for it is close"
    elif best < th.answer:
        why = f"routed: the best item scored {best:.2f}, below the {th.answer:.2f} an answer needs"
    else:
        why = f"routed: the best item was {ahead:.2f} ahead of the next; at {best:.2f} it needed {r.lead_needed:.2f}"
    if r.match.status == ROUTED and r.candidates:
        why += " (if one of these items is meant, an alias with the words it lacks brings it closer)"
    lines.append("  " + why)
    return lines
