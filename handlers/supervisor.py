"""Supervisors on Telegram: /report, and the day's report at the hall's closing time.

Only the Telegram users named in the config's ``supervisors`` get a report, and only in
a private chat (a report quotes complaints and reasons: not for a group). Anyone else
asking is refused politely with the phrase ``report_refused``; a supervisor asking in a
group is told to ask in private (``report_private``).

    /report              today's report (on the hall's clock)
    /report month        this month's
    /report 2025-03-03   that day's; /report 2025-03 that month's

The daily report is a PTB JobQueue ``run_daily`` job at ``closing_time`` on the hall's
time zone, sent to each supervisor; one that cannot be reached (who never opened a chat
with the bot) is logged and skipped. The text is the Markdown report as plain text,
split between lines to fit Telegram's 4,096 characters.
"""
from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.constants import ChatType, MessageLimit
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from transcripts import period as periods
from transcripts.errors import PeriodError
from transcripts.report import build, markdown, names_from

log = logging.getLogger(__name__)

DAILY_JOB = "daily-report"
TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")


def report_text(app: Application, arg: str = "") -> str:
    """The Markdown report asked for by ``arg`` ("", "month", a day or a month)."""
    d = app.bot_data
    config = d["config"]
    zone = config.zone
    today = d["clerk"].clock().astimezone(zone).date()
    arg = arg.strip().casefold()
    if _DAY.fullmatch(arg):
        chosen = periods.day(arg, zone)
    elif _MONTH.fullmatch(arg):
        chosen = periods.month(arg, zone)
    elif arg == "month":
        chosen = periods.month(None, zone, today=today)
    else:
        chosen = periods.day(None, zone, today=today)
    names = names_from(d["base"], d["phrases"])
    return markdown(build(d["store"].db, chosen, now=d["clerk"].clock, **names))


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``text`` in parts of at most ``limit`` characters (UTF-16), cut between lines (an
    overlong line between characters)."""
    lines: list[str] = []
    for line in text.rstrip("\n").split("\n"):
        while _units(line) > limit:
            cut = limit
            while _units(line[:cut]) > limit:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    parts, current = [], ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if current and _units(candidate) > limit:
            parts.append(current)
            candidate = line
        current = candidate
    parts.append(current)
    return [p for p in parts if p.strip()]


async def _send_report(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> None:
    for part in split(text):
        await context.bot.send_message(chat_id, part)


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/report: the report for a supervisor in a private chat; a polite no for anyone else."""
    message = update.effective_message
    user = update.effective_user
    notices = context.bot_data["clerk"].notices
    if user is None or user.id not in context.bot_data["config"].supervisors:
        await message.reply_text(notices.say("report_refused"))
        return
    if message.chat.type != ChatType.PRIVATE:
        await message.reply_text(notices.say("report_private"))
        return
    arg = " ".join(context.args or [])
    try:
        text = report_text(context.application, arg)
    except PeriodError:
        text = report_text(context.application)
    await _send_report(context, message.chat_id, text)


async def daily_report(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Closing time: the day's report to every supervisor."""
    text = report_text(context.application)
    for supervisor in context.bot_data["config"].supervisors:
        try:
            await _send_report(context, supervisor, text)
        except TelegramError as e:
            log.warning("could not send the daily report to supervisor %s: %s", supervisor, e)


def schedule_daily(app: Application) -> None:
    """The daily report at closing time, if there are supervisors and a closing time."""
    config = app.bot_data["config"]
    for job in app.job_queue.get_jobs_by_name(DAILY_JOB):
        job.schedule_removal()
    if config.supervisors and config.closing_time:
        app.job_queue.run_daily(daily_report, config.closing_time.replace(tzinfo=config.zone),
                                name=DAILY_JOB)
