"""Matcher speed and memory: per-question latency (p50, p99) and peak memory.

Bases of 50, 1,000 and 10,000 items are grown from the bundled sample base (each copy of
an item gets its own id and a numbered title, so that the index really grows). Each size
runs in a fresh process, so that its peak memory (ru_maxrss) is its own; each size runs
three times, because on a shared machine one run's p99 can be off by half, and the
median run is printed last.

    .venv/bin/python bench/bench_match.py            # all sizes
    .venv/bin/python bench/bench_match.py 10000      # one run of one size, as bare figures
"""
from __future__ import annotations

import dataclasses
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = (50, 1_000, 10_000)
REPEATS = 3
# Questions a citizen might send: hits, near misses, chit-chat, Traditional script, long.
QUESTIONS = [
    "身份证丢了怎么补办",
    "换身份证要带什么",
    "辦理結婚登記需要什麼材料",
    "二手房过户要交多少钱",
    "公积金怎么提取出来付房租",
    "孩子刚出生怎么上户口",
    "个体户营业执照怎么办",
    "低保一个月能领多少钱",
    "今天天气怎么样",
    "我想问一下，我们家老人去世了，家里的房子要过户到我名下，需要准备哪些材料，要多长时间",
    "社保卡消磁了能换吗",
    "医保异地就医备案怎么弄",
    "法院查封房产在哪个窗口办",
    "公司注销需要登报吗",
    "哈哈哈",
]


def grow(base, n_items: int):
    """A base of n_items items, copies of the sample's items with their own ids."""
    from knowledge.model import Base

    source = list(base.items.values())
    items = {}
    for k in range(n_items):
        item = source[k % len(source)]
        copy = k // len(source)
        if copy:
            item = dataclasses.replace(item, id=f"{item.id}-{copy}", title=f"{item.title}(第{copy}类)")
        items[item.id] = item
    return Base(hall=base.hall, windows=base.windows, items=items, folder=base.folder)


def run_one(n_items: int, rounds: int = 40) -> None:
    """One run, printed as one line of figures: items p50 p99 build peak questions."""
    from knowledge.load import load_base
    from knowledge.match import Matcher

    base = grow(load_base(ROOT / "knowledge"), n_items)
    started = time.perf_counter()
    matcher = Matcher(base)
    build = time.perf_counter() - started
    for q in QUESTIONS:  # warm the caches a running bot would have warm
        matcher.match(q)
    times = []
    for _ in range(rounds):
        for q in QUESTIONS:
            t = time.perf_counter()
            matcher.match(q)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p50 = statistics.median(times)
    p99 = times[int(len(times) * 0.99) - 1]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"{n_items} {p50:.3f} {p99:.3f} {build:.3f} {peak:.1f} {len(times)}")


def main() -> None:
    if len(sys.argv) > 1:
        run_one(int(sys.argv[1]))
        return
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    print(f"matcher on one core (each size {REPEATS} times, each time in its own process):")
    for n in SIZES:
        # taskset keeps the measurement to one core where it is available.
        cmd = [sys.executable, __file__, str(n)]
        if os.path.exists("/usr/bin/taskset"):
            cmd = ["taskset", "-c", "0", *cmd]
        runs = []
        for _ in range(REPEATS):
            out = subprocess.run(cmd, check=True, env=env, capture_output=True, text=True).stdout.split()
            runs.append(tuple(map(float, out[1:])))
        runs.sort(key=lambda r: r[1])  # by p99
        for label, (p50, p99, build, peak, count) in [("run", r) for r in runs] + [("median", runs[len(runs) // 2])]:
            print(
                f"{n:>6} items, {label:>6}: p50 {p50:.2f} ms, p99 {p99:.2f} ms per question "
                f"({count:.0f} questions), index built in {build:.2f} s, peak memory {peak:.0f} MB"
            )


if __name__ == "__main__":
    main()
