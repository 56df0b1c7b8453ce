"""The complete notice of a service item (一次性告知), as reply lines for any channel.

Channel-free: the terminal prints it as plain text, Telegram as HTML, so a citizen hears
the same list of materials wherever they ask. Every word comes from phrases.yaml.
"""
from __future__ import annotations

from knowledge.model import Base, Item, Material, Window
from knowledge.phrases import Phrases

from .reply import BOLD, ITALIC, PLAIN, Line, Span

# The parts of an item a citizen may ask about first (words.fee, words.time_limit).
ASKABLE = ("fee", "time_limit")


def hall_values(base: Base) -> dict[str, str]:
    """The placeholders every phrase may use."""
    hall = base.hall
    return {"hall": hall.name, "address": hall.address, "hours": hall.hours,
            "hotline": hall.hotline, "complaint_hotline": hall.complaint_hotline or hall.hotline}


class Notices:
    """Turns phrases and the base into reply lines."""

    def __init__(self, base: Base, phrases: Phrases):
        self.base, self.phrases = base, phrases
        self.hall = hall_values(base)

    def lines(self, key: str, label_style: str = PLAIN, **values: object) -> list[Line]:
        """Phrase ``key`` as lines; the staff's own words in ``label_style``, values plain."""
        out = []
        for chunks in self.phrases.lines(key, **self.hall, **values):
            out.append(tuple(Span(text, label_style if literal else PLAIN)
                             for text, literal in chunks))
        return out

    def say(self, key: str, **values: object) -> str:
        return self.phrases.say(key, **self.hall, **values)

    def window(self, window: Window) -> str:
        """Number, name and place: what a citizen needs to find the counter."""
        key = "window" if window.location else "window_no_location"
        return self.say(key, number=window.number, name=window.name, location=window.location)

    def material(self, number: int, material: Material) -> Line:
        """One numbered line: name, (the case it is for), and what exactly to bring."""
        spans = [Span(self.say("notice_material", number=number, name=material.name))]
        if material.when:
            spans.append(Span(self.say("notice_material_when", when=material.when), ITALIC))
        if material.detail:
            spans.append(Span(self.say("notice_material_detail", detail=material.detail)))
        return tuple(spans)

    def part(self, item: Item, key: str) -> list[Line]:
        """The line of a fee or time limit; when the item has none, where to ask."""
        if getattr(item, key):
            return self.lines(f"notice_{key}", BOLD, text=getattr(item, key))
        window = self.window(self.base.window_of(item))
        return self.lines(f"notice_{key}_unknown", BOLD, window=window)

    def notice(self, item: Item, asked: tuple[str, ...] = ()) -> list[Line]:
        """Everything the citizen must know to get ``item`` done in one visit; the parts
        asked about (``ASKABLE``) come first."""
        lines: list[Line] = []
        for key in asked:
            lines += self.part(item, key)
        lines.append((Span(item.title, BOLD),))
        lines += self.lines("notice_window", BOLD, window=self.window(self.base.window_of(item)))
        lines += self.lines("notice_materials", BOLD)
        lines += [self.material(n, m) for n, m in enumerate(item.materials, 1)]
        if item.conditions:
            lines += self.lines("notice_conditions", BOLD, text=item.conditions)
        for key in ASKABLE:
            if getattr(item, key) and key not in asked:
                lines += self.part(item, key)
        if item.steps:
            steps = self.say("notice_step_separator").join(item.steps)
            lines += self.lines("notice_steps", BOLD, text=steps)
        if item.next:
            lines += self.lines("notice_next", window=self.window(self.base.windows[item.next]))
        if item.basis:
            lines += self.lines("notice_basis", BOLD, text=item.basis)
        lines += self.lines("notice_hours", BOLD)
        return lines
