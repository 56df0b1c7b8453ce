"""``python bot.py check``: tell staff everything wrong in the knowledge base, in one run.

The base (hall.yaml, guides/*.yaml) and the standard phrases (phrases.yaml: the folder's
own over the bundled one, else the bundled one) are both checked. A phrase the folder's
own file leaves out is a warning: the bundled one is used.

Example::

    $ python bot.py check --knowledge knowledge
    guides/hukou.yaml:12: warning: unknown key 'matrials' (did you mean 'materials'?)
    城关镇政务服务中心: 45 items, 12 windows, 230 materials — 0 errors, 1 warning
"""
from __future__ import annotations

import sys
from pathlib import Path

from knowledge.load import read_base
from knowledge.phrases import (check_common_items, common_item_lines, display_path,
                               phrases_file, read_folder_phrases)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def main(folder: Path, out=sys.stdout) -> int:
    """Print every problem (file, then line order) and a summary; 1 if any error, else 0."""
    base, problems = read_base(Path(folder))
    path = phrases_file(folder)
    rel = display_path(path, folder)
    phrases, phrase_problems = read_folder_phrases(folder)
    # The bundled phrases name the bundled base's items: check them only against their own.
    own = path.resolve().parent == Path(folder).resolve()
    if base is not None and phrases is not None and own:
        phrase_problems += check_common_items(phrases, base.items, rel, common_item_lines(path))
    problems = problems + phrase_problems
    for problem in problems:
        print(problem, file=out)
    errors = sum(p.severity == "error" for p in problems)
    counts = f"{_count(errors, 'error')}, {_count(len(problems) - errors, 'warning')}"
    if base is None or phrases is None:
        print(f"{counts} in {str(folder).rstrip('/')}/", file=out)
        return 1
    s = base.stats
    print(f"{base.hall.name}: {_count(s['items'], 'item')}, {_count(s['windows'], 'window')}, "
          f"{_count(s['materials'], 'material')} — {counts}", file=out)
    return 0
