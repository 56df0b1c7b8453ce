"""The complete notice of a service item (一次性告知), as plain text any channel can send.

Channel-free: the terminal prints it as is, the Telegram channel will send the same
content, so a citizen hears the same list of materials wherever they ask.
"""
from __future__ import annotations

from knowledge.model import Base, Item, Material, Window

# Labels citizens read. To be moved to the phrases file staff edit (conversation issue);
# kept in this one dict until then so that no other Chinese text hides in the code.
LABELS = {
    "window": "办理窗口：{window}",
    "window_at": "{number}号窗口 {name}",
    "location": "（{text}）",
    "materials": "所需材料（请一次带齐）：",
    "when": "（{text}）",
    "detail": "：{text}",
    "conditions": "办理条件：{text}",
    "fee": "收费标准：{text}",
    "time_limit": "办理时限：{text}",
    "steps": "办理流程：{text}",
    "step_sep": " → ",
    "next": "办完后请到：{window}",
    "basis": "办理依据：{text}",
    "hours": "办公时间：{text}",
    "hotline": "咨询电话：{text}",
}


def window_text(window: Window) -> str:
    """Number, name and place: what a citizen needs to find the counter."""
    text = LABELS["window_at"].format(number=window.number, name=window.name)
    if window.location:
        text += LABELS["location"].format(text=window.location)
    return text


def material_text(number: int, material: Material) -> str:
    """One numbered line: name, (the case it is for), and what exactly to bring."""
    line = f"{number}. {material.name}"
    for key in ("when", "detail"):
        if getattr(material, key):
            line += LABELS[key].format(text=getattr(material, key))
    return line


def notice_text(base: Base, item: Item) -> str:
    """Everything the citizen must know to get ``item`` done in one visit."""
    lines = [item.title, LABELS["window"].format(window=window_text(base.window_of(item)))]
    lines.append(LABELS["materials"])
    lines += ["  " + material_text(n, m) for n, m in enumerate(item.materials, 1)]
    for key in ("conditions", "fee", "time_limit"):
        if getattr(item, key):
            lines.append(LABELS[key].format(text=getattr(item, key)))
    if item.steps:
        lines.append(LABELS["steps"].format(text=LABELS["step_sep"].join(item.steps)))
    if item.next:
        lines.append(LABELS["next"].format(window=window_text(base.windows[item.next])))
    if item.basis:
        lines.append(LABELS["basis"].format(text=item.basis))
    lines += hall_contact_lines(base, hotline=False)
    return "\n".join(lines)


def hall_contact_lines(base: Base, hotline: bool = True) -> list[str]:
    """The hall's hours (and hotline), for the end of a notice or a routing."""
    lines = []
    if base.hall.hours:
        lines.append(LABELS["hours"].format(text=base.hall.hours))
    if hotline and base.hall.hotline:
        lines.append(LABELS["hotline"].format(text=base.hall.hotline))
    return lines
