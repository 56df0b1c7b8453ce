"""The knowledge base as plain, typed objects: the hall, its windows and service items.

Loaded once from YAML (see ``knowledge.load``); everything else reads these and never
the YAML itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Material:
    """One paper the citizen must bring."""

    name: str
    detail: str = ""  # 原件/复印件, how many, what it must show
    when: str = ""  # the case in which it is needed; empty: always


@dataclass(frozen=True)
class Window:
    """A counter of the hall."""

    id: str
    number: int | str  # what citizens see over the counter: 5, or "3-4"
    name: str
    location: str = ""
    topics: tuple[str, ...] = ()  # words that send unknown questions here
    default: bool = False  # where anything outside the hall's business goes


@dataclass(frozen=True)
class Item:
    """A service item (办事事项) and its complete notice."""

    id: str
    title: str
    window: str  # window id
    materials: tuple[Material, ...]
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    conditions: str = ""
    fee: str = ""
    time_limit: str = ""
    steps: tuple[str, ...] = ()
    next: str = ""  # window id of the next step, if any
    basis: str = ""
    source: str = ""  # "guides/x.yaml:12", where staff find it


@dataclass(frozen=True)
class Hall:
    name: str
    address: str = ""
    hours: str = ""
    hotline: str = ""
    complaint_hotline: str = ""


@dataclass(frozen=True)
class Base:
    """A whole, checked knowledge base. Windows and items keep the order of the files."""

    hall: Hall
    windows: dict[str, Window]
    items: dict[str, Item]
    folder: Path | None = None
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def default_window(self) -> Window:
        return next(w for w in self.windows.values() if w.default)

    def window_of(self, item: Item) -> Window:
        return self.windows[item.window]
