"""The Telegram channel: updates become calls on the clerk, its replies HTML messages.

Nothing here decides what to say (that is ``clerk.py``); this module only

- names the citizen (``Chat("telegram", chat id, user id)``), and in a group listens only
  when addressed (@mention, a reply to the bot) or commanded;
- renders a ``Reply`` as Telegram HTML, every text escaped, with an inline keyboard
  (``callback_data`` is the button's short id), split only past 4,096 characters;
- keeps the idle timer in PTB's JobQueue, rescheduled from the database at start;
- holds the services in ``application.bot_data``: opened in ``post_init``, closed in
  ``post_shutdown``;
- gets the updates by long polling, or, with ``telegram.webhook.url`` set, as Telegram's
  POSTs to PTB's webhook server (``run``); the handlers are the same either way.

The handlers are wired in ``handlers/__init__.py``.
"""
from __future__ import annotations

import asyncio
import html
import importlib.util
import logging
import re
import secrets
import warnings
from datetime import timedelta
from typing import Callable
from urllib.parse import urlsplit

from telegram import (BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message,
                      ReplyParameters, Update)
from telegram.constants import ChatType, MessageLimit, ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from transcripts.store import Chat, Store

from .clerk import Clerk, utcnow
from .reply import BOLD, ITALIC, Line, Reply, Span, Turn

log = logging.getLogger(__name__)

CHANNEL = "telegram"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096, counted in UTF-16 code units
_TAGS = {BOLD: "b", ITALIC: "i"}
# What a message holds when it is not text, in the order PTB's Message lists them.
_KINDS = ("sticker", "photo", "voice", "video_note", "video", "animation", "audio", "document",
          "location", "venue", "contact", "poll", "dice", "game", "story")


# -- rendering ------------------------------------------------------------------------------


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _line_units(line: Line) -> int:
    return sum(_units(s.text) for s in line)


def _span_html(span: Span) -> str:
    text = html.escape(span.text, quote=False)
    tag = _TAGS.get(span.style)
    return f"<{tag}>{text}</{tag}>" if tag and text else text


def _cut(line: Line, limit: int) -> list[Line]:
    """A line longer than ``limit``, cut between characters into lines that fit."""
    if _line_units(line) <= limit:
        return [line]
    pieces: list[Line] = []
    current: list[Span] = []
    used = 0
    for span in line:
        start = 0
        for i, char in enumerate(span.text):
            if used + _units(char) > limit:
                if i > start:
                    current.append(Span(span.text[start:i], span.style))
                pieces.append(tuple(current))
                current, used, start = [], 0, i
            used += _units(char)
        if start < len(span.text):
            current.append(Span(span.text[start:], span.style))
    if current:
        pieces.append(tuple(current))
    return pieces


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.id) for b in row]
                                 for row in reply.buttons])


def render(reply: Reply, limit: int = TEXT_LIMIT) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The reply as one HTML message, or, only past ``limit`` characters of text, several,
    split between lines (a single overlong line between characters). Tags never straddle
    a split; the buttons go under the last part."""
    parts: list[list[Line]] = [[]]
    used = 0
    for whole in reply.lines:
        for line in _cut(whole, limit):
            size = _line_units(line) + (1 if parts[-1] else 0)  # + the newline
            if parts[-1] and used + size > limit:
                parts.append([])
                size -= 1
                used = 0
            parts[-1].append(line)
            used += size
    texts = ["\n".join("".join(_span_html(s) for s in line) for line in part) for part in parts]
    markup = keyboard(reply)
    return [(text, markup if i == len(texts) - 1 else None) for i, text in enumerate(texts)]


# -- who, and whether the clerk is addressed -------------------------------------------------


def _clerk(context: ContextTypes.DEFAULT_TYPE) -> Clerk:
    return context.bot_data["clerk"]


def citizen(update: Update) -> Chat:
    chat = update.effective_chat
    user = update.effective_user
    return Chat(CHANNEL, chat.id, user.id if user else chat.id)


def _private(message: Message) -> bool:
    return message.chat.type == ChatType.PRIVATE


def _replies_to_bot(message: Message, bot_id: int) -> bool:
    original = message.reply_to_message
    return bool(original and original.from_user and original.from_user.id == bot_id)


def addressed_text(message: Message, bot_id: int, username: str) -> str | None:
    """The text meant for the clerk: all of it in a private chat; in a group, only a
    message that mentions the bot (the mention taken out) or replies to it."""
    text = message.text or ""
    if _private(message) or _replies_to_bot(message, bot_id):
        return text
    mention = f"@{username}".casefold()
    for entity, value in message.parse_entities(["mention"]).items():
        if value.casefold() == mention:
            return (text.replace(value, " ")).strip()
    return None


def _kind(message: Message) -> str:
    return next((k for k in _KINDS if getattr(message, k, None)), "other")


# -- sending, and the idle timer -------------------------------------------------------------


async def _send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str, markup,
                reply_to: int | None) -> None:
    """One message; after flood control (429), wait as told and try once more."""
    kwargs = {"parse_mode": ParseMode.HTML, "reply_markup": markup}
    if reply_to:
        kwargs["reply_parameters"] = ReplyParameters(reply_to, allow_sending_without_reply=True)
    try:
        await context.bot.send_message(chat_id, text, **kwargs)
    except RetryAfter as e:
        with warnings.catch_warnings():  # PTB warns about retry_after becoming a timedelta
            warnings.simplefilter("ignore")
            wait = e.retry_after
        wait = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        log.warning("flood control: waiting %.1f s before sending to %s", wait, chat_id)
        await asyncio.sleep(wait)
        await context.bot.send_message(chat_id, text, **kwargs)


async def deliver(context: ContextTypes.DEFAULT_TYPE, chat: Chat, turn: Turn,
                  reply_to: int | None = None) -> None:
    """Start (or stop) the idle timer, then send the turn's replies in order."""
    if turn.changed:
        schedule_idle(context.application, chat, turn.idle_due)
    for reply in turn.replies:
        for text, markup in render(reply):
            await _send(context, chat.chat_id, text, markup, reply_to)
            reply_to = None  # in a group, the first part answers the citizen's message


def _job_name(chat: Chat) -> str:
    return f"idle:{chat.chat_id}:{chat.user_id}"


def schedule_idle(app: Application, chat: Chat, due) -> None:
    """One idle job per citizen and chat, at ``due`` (None: no job)."""
    for job in app.job_queue.get_jobs_by_name(_job_name(chat)):
        job.schedule_removal()
    if due is not None:
        delay = max(0.0, (due - app.bot_data["clerk"].clock()).total_seconds())
        app.job_queue.run_once(idle_timeout, delay, data=chat, name=_job_name(chat))


async def idle_timeout(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The citizen has said nothing for the idle time: end the exchange, ask for a rating."""
    chat: Chat = context.job.data
    turn = _clerk(context).idle(chat)
    if not turn.changed and turn.idle_due:  # woke too early: sleep again until due
        schedule_idle(context.application, chat, turn.idle_due)
        return
    await deliver(context, chat, turn)


# -- the callbacks (wired in handlers/__init__.py) ----------------------------------------


def _step(context: ContextTypes.DEFAULT_TYPE, chat: Chat, kind: str, sent: str,
          step: Callable[[Clerk], Turn]) -> Turn:
    """The clerk's step on what the citizen ``sent`` (``kind`` and text as the clerk logs
    them). A failed step writes nothing; it is logged, and the clerk records the message
    with its apology. If even that fails, on_error apologises."""
    clerk = _clerk(context)
    try:
        return step(clerk)
    except Exception:  # noqa: BLE001 - on_error would not know what to record
        log.exception("the clerk failed on a %s", kind)  # not its text: it is not masked
        return clerk.failed(chat, kind, sent)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: greet with the hall's standard words and the menu."""
    chat = citizen(update)
    turn = _step(context, chat, "command", "/start", lambda clerk: clerk.start(chat))
    await deliver(context, chat, turn, _quote(update))


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help, /windows, /hours, /cancel."""
    chat = citizen(update)
    name = update.message.text.split()[0][1:].split("@")[0].casefold()
    turn = _step(context, chat, "command", f"/{name}", lambda clerk: clerk.command(chat, name))
    await deliver(context, chat, turn, _quote(update))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command we do not have; in a group, only one addressed to this bot."""
    message = update.message
    word = message.text.split()[0]
    if not _private(message) and not word.casefold().endswith(f"@{context.bot.username}".casefold()):
        return
    chat = citizen(update)
    name = word[1:].split("@")[0]
    turn = _step(context, chat, "command", f"/{name}", lambda clerk: clerk.command(chat, name))
    await deliver(context, chat, turn, _quote(update))


async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A typed message: a question, thanks, a complaint..."""
    said = addressed_text(update.message, context.bot.id, context.bot.username)
    if said is None:
        return  # talk among others in a group
    chat = citizen(update)
    turn = _step(context, chat, "text", said, lambda clerk: clerk.text(chat, said))
    await deliver(context, chat, turn, _quote(update))


async def other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sticker, photo, voice, file, location, contact...: only text is understood."""
    message = update.message
    if not _private(message) and not _replies_to_bot(message, context.bot.id):
        return
    chat = citizen(update)
    kind = _kind(message)
    turn = _step(context, chat, kind, f"[{kind}]", lambda clerk: clerk.other(chat, kind))
    await deliver(context, chat, turn, _quote(update))


async def edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited message: say that a new one is needed (in a private chat only)."""
    if not _private(update.edited_message):
        return
    chat = citizen(update)
    turn = _step(context, chat, "edited", "[edited]", lambda clerk: clerk.other(chat, "edited"))
    await deliver(context, chat, turn)


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button pressed: answer the query first (with the toast, if any), then reply."""
    query = update.callback_query
    if update.effective_chat is None:  # a button under an inline message: not ours
        await query.answer()
        return
    chat = citizen(update)
    data = query.data or ""
    turn = _step(context, chat, "press", data, lambda clerk: clerk.press(chat, data))
    await query.answer(turn.toast or None)
    await deliver(context, chat, turn)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the traceback; the citizen gets a polite sentence, never a stack trace."""
    log.error("an update could not be handled", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.callback_query:
        try:
            await update.callback_query.answer()
        except TelegramError:
            pass  # already answered, or too old
    try:
        await context.bot.send_message(update.effective_chat.id,
                                       context.bot_data["clerk"].notices.say("error"))
    except TelegramError as e:
        log.warning("could not tell the citizen about the error: %s", e)


def _quote(update: Update) -> int | None:
    """In a group, answer the citizen's own message so that they see it is theirs."""
    message = update.effective_message
    return None if message is None or _private(message) else message.message_id


# -- the application ------------------------------------------------------------------------


async def post_init(app: Application) -> None:
    """Open the store, make the clerk, restart the idle timers, schedule the daily report,
    set the command menu."""
    d = app.bot_data
    store = Store(d["config"].database)
    d["store"] = store
    d["clerk"] = Clerk(d["base"], d["matcher"], d["phrases"], store,
                       idle=timedelta(minutes=d["config"].idle_minutes), clock=d["clock"])
    for chat, due in store.idle_timers():
        if chat.channel == CHANNEL:
            schedule_idle(app, chat, due)
    from .supervisor import schedule_daily

    schedule_daily(app)
    commands = [BotCommand(name, description) for name, description in d["phrases"].commands.items()]
    try:
        await app.bot.set_my_commands(commands)
    except TelegramError as e:  # the menu is a convenience; the bot works without it
        log.warning("could not set the command menu: %s", e)


async def post_shutdown(app: Application) -> None:
    store = app.bot_data.pop("store", None)
    if store is not None:
        store.close()


def build_application(config, base, matcher, phrases,
                      clock: Callable = utcnow) -> Application:
    """The PTB Application on ``config``'s token and Bot API server, every handler wired."""
    from . import add_handlers

    app = (ApplicationBuilder().token(config.token).base_url(config.base_url)
           .base_file_url(config.base_file_url).post_init(post_init)
           .post_shutdown(post_shutdown).build())
    app.bot_data.update(config=config, base=base, matcher=matcher, phrases=phrases, clock=clock)
    add_handlers(app)
    return app


def webhook_options(hook) -> dict:
    """PTB's ``run_webhook`` (and ``Updater.start_webhook``) arguments for the config's
    ``Webhook``. Without a secret token in the config, a random one for this run: it is
    given to Telegram in setWebhook at every start, and PTB refuses (403) any request
    that does not carry it."""
    return {"listen": hook.listen, "port": hook.port,
            "url_path": re.escape(hook.path),  # PTB reads the path as a regular expression
            "webhook_url": hook.url, "secret_token": hook.secret_token or secrets.token_urlsafe(32),
            "allowed_updates": ALLOWED_UPDATES}


class _SaidInOneLine(logging.Filter):
    """PTB logs a failed start (getMe, setWebhook) with its whole traceback before raising
    it; ``run`` says the same in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno >= logging.ERROR
                    and record.getMessage().startswith("Network Retry Loop (Bootstrap"))


def _public(url: str) -> str:
    """Scheme, host and port of ``url``: never its path, which may hold the token, nor a
    user and password."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def run(config, base, matcher, phrases) -> int:
    """Long polling, or the webhook when configured, until Ctrl-C or SIGTERM; 1 if the Bot
    API cannot be used or the webhook's port cannot be listened on."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        level=logging.INFO)
    # httpx logs each request's URL, and the URL holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("telegram.ext").addFilter(_SaidInOneLine())
    where = _public(config.base_url)
    hook = config.webhook
    if hook and importlib.util.find_spec("tornado") is None:
        log.error("the webhook needs python-telegram-bot[webhooks] (tornado): "
                  "pip install -e . installs it")
        return 1
    app = build_application(config, base, matcher, phrases)
    try:
        if hook:
            log.info("webhook: listening on %s:%d for what Telegram posts to %s", hook.listen,
                     hook.port, _public(hook.url))
            app.run_webhook(**webhook_options(hook))
        else:
            app.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        log.error("the Bot API at %s refused the token", where)
        return 1
    except TelegramError as e:
        # PTB's BadRequest is a NetworkError too, but the server was reached and said no:
        # for setWebhook, an http:// URL, a port Telegram does not post to, a host it
        # cannot resolve.
        if isinstance(e, NetworkError) and not isinstance(e, BadRequest):
            log.error("cannot reach the Bot API at %s: %s", where, e)
        else:
            log.error("the Bot API at %s refused to %s: %s", where,
                      "set the webhook" if hook else "start", e.message)
        return 1
    except OSError as e:  # the port is taken, or the address is not this machine's
        if hook is None:
            raise
        log.error("cannot listen on %s:%d for the webhook: %s", hook.listen, hook.port,
                  e.strerror or e)
        return 1
    return 0
