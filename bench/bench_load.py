"""How long a hall of 10,000 service items takes to load and to check.

Builds the base in a temp folder by repeating the bundled sample's items under new ids
(synthetic items if there is no sample), over 50 guide files. Example::

    $ .venv/bin/python bench/bench_load.py
    load 10000 items (50 files, 7.1 MB): cold 1.08 s, cached 0.12 s; check 1.06 s
"""
from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge import check, load  # noqa: E402  (after the path is set)

ITEMS, FILES = 10_000, 50

SYNTHETIC_HALL = {
    "hall": {"name": "基准测试政务服务中心"},
    "windows": [{"id": "consult", "number": 1, "name": "综合咨询窗口", "default": True},
                {"id": "general", "number": 2, "name": "综合受理窗口", "topics": ["办事"]}],
}


def sample_items() -> tuple[str, list[dict]]:
    """hall.yaml's text and the items to repeat: the bundled base's, or synthetic ones."""
    sample = ROOT / "knowledge"
    if (sample / "hall.yaml").is_file():
        items = [item for path in sorted((sample / "guides").glob("*.yaml"))
                 for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []]
        if items:
            return (sample / "hall.yaml").read_text(encoding="utf-8"), items
    item = {"id": "item", "title": "事项", "window": "general",
            "aliases": ["怎么办理", "要带什么"],
            "materials": [{"name": "居民身份证", "detail": "原件"}, {"name": "申请表"}],
            "fee": "免费", "time_limit": "即来即办",
            "steps": ["取号", "提交材料", "领取结果"]}
    return yaml.safe_dump(SYNTHETIC_HALL, allow_unicode=True), [item]


def build(folder: Path) -> int:
    """Write the 10,000-item base; return its size in bytes."""
    hall, items = sample_items()
    (folder / "guides").mkdir(parents=True)
    (folder / "hall.yaml").write_text(hall, encoding="utf-8")
    per_file = ITEMS // FILES
    for f in range(FILES):
        chunk = []
        for n in range(f * per_file, (f + 1) * per_file):
            item = dict(items[n % len(items)])
            item["id"] = f"{item['id']}-{n}"
            chunk.append(item)
        text = yaml.safe_dump(chunk, allow_unicode=True, sort_keys=False)
        (folder / "guides" / f"dept-{f:02d}.yaml").write_text(text, encoding="utf-8")
    return sum(p.stat().st_size for p in folder.rglob("*.yaml"))


def timed(run) -> tuple[float, object]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "knowledge"
        size = build(folder)
        os.environ["CHUANGKOU_CACHE_DIR"] = str(Path(tmp) / "cache")  # never the user's cache
        cold, base = timed(lambda: load.load_base(folder))  # reads the YAML, writes the cache
        cached, again = timed(lambda: load.load_base(folder))
        checked, code = timed(lambda: check.main(folder, io.StringIO()))
        assert base.stats["items"] == again.stats["items"] == ITEMS and code == 0
        print(f"load {ITEMS} items ({FILES} files, {size / 1e6:.1f} MB): cold {cold:.2f} s, "
              f"cached {cached:.2f} s; check {checked:.2f} s")


if __name__ == "__main__":
    main()
