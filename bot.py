"""窗口 — the enquiry window of a government service hall, as a bot.

The one entry point: parse the command line, load the config, call one library function.

    python bot.py                     chat: on Telegram (long polling, or a webhook when
                                      configured) if a token is set, else in the terminal
    python bot.py check               check the knowledge base staff edit
    python bot.py match < questions   one JSON line per question (for evaluation)
    python bot.py transcripts ...     review what was said: list, show, search, sample, export
    python bot.py report --day|--month   the day's or month's report for supervisors
    python bot.py review              browse the database read-only (Datasette, 127.0.0.1)
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path

from config import ConfigError, load_config
from knowledge import check
from knowledge.load import KnowledgeError, load_base
from knowledge.model import Base
from knowledge.phrases import Phrases, load_phrases
from transcripts.errors import PeriodError, ReviewError

PROG = "bot.py"


def _matcher(base: Base):
    # Imported only where questions are matched: the matcher's word lists take a third of
    # a second to load, which reports and reviews do not need.
    from knowledge.match import Matcher

    return Matcher(base)


def _load(folder: Path) -> tuple[Base, object]:
    """The base and its matcher; or the base's problems on stderr, and exit 1."""
    base, _ = _load_all(folder, phrases=False)
    return base, _matcher(base)


def _load_all(folder: Path, phrases: bool = True) -> tuple[Base, Phrases | None]:
    """The base and (if asked) its phrases; or their problems on stderr, and exit 1."""
    try:
        return load_base(folder), (load_phrases(folder) if phrases else None)
    except KnowledgeError as e:
        for problem in e.problems:
            print(problem, file=sys.stderr)
        print(f"{PROG}: the knowledge base in {folder} has errors "
              f"(see: python bot.py check --knowledge {folder})", file=sys.stderr)
        raise SystemExit(1) from None


def cmd_run(args, config) -> int:
    base, phrases = _load_all(args.knowledge or config.knowledge)
    if config.token:
        # Imported only here: Telegram takes a second to load, and the terminal needs none of it.
        from handlers.telegram import run

        return run(config, base, _matcher(base), phrases)
    from handlers.clerk import Clerk
    from handlers.terminal import chat
    from transcripts.store import Store

    store = Store(config.database)
    clerk = Clerk(base, _matcher(base), phrases, store, idle=timedelta(minutes=config.idle_minutes))
    try:
        chat(clerk, sys.stdin, sys.stdout, prompt=sys.stdin.isatty())
    except KeyboardInterrupt:
        print()
        return 130
    finally:
        store.close()
    return 0


def cmd_check(args, config) -> int:
    return check.main(args.knowledge or config.knowledge)


def cmd_match(args, config) -> int:
    _, matcher = _load(args.knowledge or config.knowledge)
    from knowledge.cli import match_lines

    match_lines(matcher, sys.stdin, sys.stdout, explain=args.explain)
    return 0


def _period(args, config):
    from transcripts.period import chosen

    return chosen(config.zone, args.day, args.month, args.since, args.until)


def cmd_transcripts(args, config) -> int:
    from transcripts import review

    database = args.database or config.database
    out, zone = sys.stdout, config.zone
    if args.action == "list":
        return review.list_command(database, out, _period(args, config), zone, args.limit)
    if args.action == "show":
        return review.show_command(database, out, args.id, zone)
    if args.action == "search":
        return review.search_command(database, out, args.text, _period(args, config), zone,
                                     args.limit)
    if args.action == "sample":
        return review.sample_command(database, out, args.n, _period(args, config), zone, args.seed)
    return review.export_command(database, out, _period(args, config))


def cmd_report(args, config) -> int:
    from transcripts.report import names_from, report_command

    base, phrases = _load_all(args.knowledge or config.knowledge)
    if args.day is None and args.month is None and args.since is None and args.until is None:
        args.day = ""  # no period named: today's report
    return report_command(args.database or config.database, sys.stdout, _period(args, config),
                          names_from(base, phrases), args.html)


def cmd_review(args, config) -> int:
    from transcripts.browse import review_command
    from transcripts.report import names_from

    base, phrases = _load_all(args.knowledge or config.knowledge)
    names = names_from(base, phrases)
    return review_command(args.database or config.database, config.zone, args.port,
                          title=names["hall"], item_names=names["item_names"],
                          window_names=names["window_names"])


def _add_period(p: argparse.ArgumentParser, default: str = "all time") -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--day", nargs="?", const="", metavar="YYYY-MM-DD",
                   help="one day on the hall's clock (no date: today)")
    g.add_argument("--month", nargs="?", const="", metavar="YYYY-MM",
                   help="one month (no month: this month)")
    g.add_argument("--since", metavar="YYYY-MM-DD", help=f"from this day (default: {default})")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="up to this day, included")


def _add_database(p: argparse.ArgumentParser) -> None:
    p.add_argument("--database", type=Path, metavar="FILE",
                   help="the SQLite file to read (default: the config's 'database')")


def build_parser() -> argparse.ArgumentParser:
    def command(name: str, func, summary: str, example: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=summary, description=summary, epilog=f"Example:\n\n    {example}",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func)
        p.add_argument("--knowledge", type=Path, metavar="DIR",
                       help="knowledge base folder (default: the config's 'knowledge')")
        return p

    parser = argparse.ArgumentParser(
        prog=PROG, description=__doc__.split("\n\n")[0],
        epilog="Example:\n\n    python bot.py --config config.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="settings file (default: config.yaml beside bot.py, if any)")
    parser.set_defaults(func=cmd_run, knowledge=None)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    command("run", cmd_run, "run the bot (the default command): on Telegram if a token is "
            "configured, else as a chat in this terminal",
            "printf '换身份证\\n' | python bot.py run --knowledge knowledge")
    command("check", cmd_check, "check the knowledge base and list every problem as file:line",
            "python bot.py check --knowledge knowledge")
    p = command("match", cmd_match, "read questions from stdin, one a line, and write one JSON "
                "line per question: answered, choose or routed",
                "echo '身份证丢了怎么补办' | python bot.py match --knowledge knowledge")
    p.add_argument("--explain", action="store_true",
                   help="under each line, what led to the decision: the question's words and "
                   "their weights, the best items and the words each lacks, the best windows")

    summary = ("review the transcripts: list, show, search, sample (spot checks) and export "
               "conversations; citizens are shown by pseudonym")
    p = command("report", cmd_report, "the report of a day (default: today) or a month for "
                "supervisors: enquiries, outcomes, items, windows, unanswered questions, "
                "ratings, complaints",
                "python bot.py report --month 2025-03 --html 2025-03.html")
    _add_period(p, default="today")
    _add_database(p)
    p.add_argument("--html", type=Path, metavar="FILE",
                   help="also write the report as an HTML page with charts (opens offline)")

    summary = ("browse the database read-only in a web browser (Datasette on 127.0.0.1, "
               "canned queries, no arbitrary SQL, pseudonyms only)")
    p = sub.add_parser("review", help=summary, description=summary,
                       epilog="Example:\n\n    python bot.py review --port 8001",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(func=cmd_review)
    _add_database(p)
    p.add_argument("--knowledge", type=Path, metavar="DIR",
                   help="knowledge base folder, for the items' and windows' names "
                        "(default: the config's 'knowledge')")
    p.add_argument("--port", type=int, default=8001, help="port on 127.0.0.1 (default 8001)")

    t = sub.add_parser("transcripts", help=summary, description=summary,
                       epilog="Example:\n\n    python bot.py transcripts search 户口迁移 --month",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    t.set_defaults(func=cmd_transcripts)
    actions = t.add_subparsers(title="actions", metavar="ACTION", dest="action", required=True)

    def action(name: str, summary: str, example: str) -> argparse.ArgumentParser:
        p = actions.add_parser(name, help=summary, description=summary,
                               epilog=f"Example:\n\n    {example}",
                               formatter_class=argparse.RawDescriptionHelpFormatter)
        _add_database(p)
        return p

    p = action("list", "one line per conversation: id, start, citizen, questions, rating",
               "python bot.py transcripts list --day 2025-03-03")
    _add_period(p)
    p.add_argument("--limit", type=int, metavar="N", help="only the last N conversations")
    p = action("show", "every message of one conversation, both ways, with its time",
               "python bot.py transcripts show 42")
    p.add_argument("id", type=int, help="the conversation's id (from list or search)")
    p = action("search", "messages containing TEXT (full-text search over Chinese), newest first",
               "python bot.py transcripts search 公积金提取 --month 2025-03")
    p.add_argument("text", help="what to look for (three characters or more is fastest)")
    _add_period(p)
    p.add_argument("--limit", type=int, default=50, metavar="N", help="at most N (default 50)")
    p = action("sample", "N conversations drawn at random from a period, in full (定期抽查)",
               "python bot.py transcripts sample 10 --month 2025-03 --seed 7")
    p.add_argument("n", type=int, metavar="N", help="how many conversations")
    _add_period(p)
    p.add_argument("--seed", type=int, help="draw the same sample again with the same seed")
    p = action("export", "JSON lines, one conversation a line, for other tools",
               "python bot.py transcripts export --month 2025-03 > 2025-03.jsonl")
    _add_period(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Chinese in and out whatever the locale (CI runners often have none); an undecodable
    # byte typed by a citizen becomes U+FFFD rather than ending the session.
    sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    sys.stdout.reconfigure(encoding="utf-8")
    sys.stderr.reconfigure(encoding="utf-8", errors="backslashreplace")
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2
    try:
        return args.func(args, config)
    except (ReviewError, PeriodError) as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2 if isinstance(e, PeriodError) else 1
    except BrokenPipeError:
        # The reader left (`bot.py match | head`): stop quietly. Point stdout at devnull
        # so that the flush at exit does not fail on the closed pipe a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
