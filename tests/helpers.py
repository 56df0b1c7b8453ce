"""What the clerk's and the channels' tests share: a small hall, a scripted matcher, a clock."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from knowledge.match import ANSWERED, CHOOSE, ROUTED, Match
from knowledge.model import Base

HALL = """\
hall:
  name: 测试镇政务服务中心
  address: 人民路1号
  hours: 周一至周五 9:00-17:00
  hotline: "0000-1111111"
  complaint_hotline: "0000-2222222"
windows:
  - id: consult
    number: 1
    name: 综合咨询窗口
    location: 一楼大厅
    default: true
  - id: hukou
    number: 3-4
    name: 户政窗口
    location: 一楼东侧
  - id: tax
    number: 9
    name: 税务窗口
"""
GUIDE = """\
- id: id-card-renew
  title: 居民身份证换领
  window: hukou
  materials:
    - name: 原居民身份证
      detail: 原件
    - name: 监护人居民身份证
      detail: 原件
      when: 未满16周岁的
    - 居民户口簿
  conditions: 有效期满前3个月内
  fee: 工本费20元
  time_limit: 20个工作日
  steps: [取号, 采集人像, 领证]
  next: tax
  basis: 《居民身份证法》
- id: id-card-lost
  title: 居民身份证挂失补领
  window: hukou
  materials: [居民户口簿]
- id: invoice
  title: 代开发票（金额<10万元）
  window: tax
  materials:
    - name: 合同
      detail: A&B公司盖章 <原件>
  fee: 免费
"""

RENEW_NOTICE = """\
居民身份证换领
办理窗口：3-4号窗口（户政窗口，一楼东侧）
所需材料（请一次带齐）：
1. 原居民身份证：原件
2. 监护人居民身份证（未满16周岁的）：原件
3. 居民户口簿
办理条件：有效期满前3个月内
收费标准：工本费20元
办理时限：20个工作日
办理流程：取号 → 采集人像 → 领证
下面的手续请到9号窗口（税务窗口）办理。
办理依据：《居民身份证法》
办公时间：周一至周五 9:00-17:00"""

ROUTE_TAX = """\
对不起，这个问题请到9号窗口（税务窗口）咨询。
办公时间：周一至周五 9:00-17:00
咨询电话：0000-1111111"""


def make_hall(folder: Path) -> Path:
    (folder / "guides").mkdir(parents=True)
    (folder / "hall.yaml").write_text(HALL, encoding="utf-8")
    (folder / "guides" / "hukou.yaml").write_text(GUIDE, encoding="utf-8")
    return folder


class ScriptedMatcher:
    """Stands in for the matcher: the conversation's job is what it says, not the scoring.

    ``script`` maps a question to ("answered", item id), ("choose", [item ids]) or
    ("routed", window id[, [item ids suggested]]); anything else is routed to the default window, or, when
    ``strict``, raises KeyError (a step that fails)."""

    def __init__(self, base: Base, script: dict | None = None, strict: bool = False):
        self.base, self.script, self.strict = base, dict(script or {}), strict
        self.asked: list[str] = []

    def match(self, question: str) -> Match:
        self.asked.append(question)
        if self.strict:
            status, what, *suggested = self.script[question]
        else:
            status, what, *suggested = self.script.get(question, (ROUTED, self.base.default_window.id))
        if status == ANSWERED:
            item = self.base.items[what]
            return Match(ANSWERED, self.base.window_of(item), item=item, score=0.9)
        if status == CHOOSE:
            items = tuple(self.base.items[i] for i in what)
            return Match(CHOOSE, self.base.window_of(items[0]), candidates=items, score=0.55)
        suggestions = tuple(self.base.items[i] for i in (suggested[0] if suggested else ()))
        return Match(ROUTED, self.base.windows[what], score=0.1, suggestions=suggestions)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)
