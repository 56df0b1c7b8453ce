"""A small Telegram Bot API stand-in, served over HTTP on 127.0.0.1, for end-to-end tests.

The real python-telegram-bot Application is pointed at it through ``base_url`` and polls
it like Telegram, or registers a webhook with it and is sent each update by HTTP POST. The
test plays the citizen: it queues updates (a text, a sticker, a press of a button) and
waits on what the bot sends, never sleeping.

What it respects of the real Bot API, because PTB depends on it:

- requests are form-encoded: every value a string, ``reply_markup`` and
  ``allowed_updates`` JSON strings; ``getMe`` and ``deleteWebhook`` come with an empty body;
- success is read from the HTTP status: a refused message is a 400 (PTB raises
  BadRequest), flood control a 429 with ``retry_after`` (RetryAfter), a wrong token 401,
  ``getUpdates`` while a webhook is set 409 (Conflict);
- ``getUpdates`` is a long poll held at most its ``timeout``, and ``offset`` confirms
  what came before; the poll in flight at shutdown is cancelled by PTB, which closes
  the connection; one in flight when a webhook is set ends with 409;
- ``setWebhook`` records ``url``, ``secret_token``, ``allowed_updates`` and
  ``max_connections`` (PTB sends it at every start in webhook mode; an empty ``url``
  removes the webhook); a URL that is not http(s) or a secret token with other characters
  than letters, digits, ``_`` and ``-`` is refused with 400. ``deleteWebhook`` removes
  it, ``getWebhookInfo`` reports it; ``drop_pending_updates`` drops what is queued;
- while a webhook is set, every update is POSTed to its URL as JSON, as Telegram does:
  ``Content-Type: application/json``, the ``X-Telegram-Bot-Api-Secret-Token`` header,
  one at a time and in order; an update counts as delivered on a 2xx answer, and is
  otherwise kept and sent again after a short pause (the error recorded, as
  ``getWebhookInfo`` reports ``last_error_message``). Updates queued before the webhook
  was set are delivered to it; after ``deleteWebhook``, to ``getUpdates`` again;
- ``sendMessage`` with ``parse_mode=HTML`` is parsed as Telegram does: only its tags,
  ``<``, ``>`` and ``&`` escaped, every tag closed, at most 4,096 characters (UTF-16
  code units) of text, ``callback_data`` at most 64 bytes. A message that breaks a rule
  is refused with 400, so an escaping bug fails the test the way it would fail in use.
"""
from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import httpx

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a",
         "span", "tg-spoiler", "tg-emoji", "blockquote"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z-]*)(\s[^<>]*)?>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
            409: "Conflict", 429: "Too Many Requests"}
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_REGISTERED = object()  # post_update: the secret token given in setWebhook


class Refused(Exception):
    """The Bot API would refuse this request with ``status`` (400) and this description."""

    def __init__(self, description: str, status: int = 400):
        super().__init__(description)
        self.status = status


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> str:
    """The text a citizen sees for a message sent with parse_mode=HTML, or Refused."""
    out, stack, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "<":
            m = _TAG.match(text, i)
            name = m.group(2).lower() if m else ""
            if name not in _TAGS:
                raise Refused(f"Bad Request: can't parse entities: Unsupported start tag at "
                              f"byte offset {len(text[:i].encode())}")
            if m.group(1):
                if not stack or stack.pop() != name:
                    raise Refused(f"Bad Request: can't parse entities: Unmatched end tag "
                                  f"at byte offset {len(text[:i].encode())}")
            else:
                stack.append(name)
            i = m.end()
        elif c == "&":
            m = _ENTITY.match(text, i)
            if not m:
                raise Refused("Bad Request: can't parse entities: Character '&' is reserved")
            out.append(html.unescape(m.group()))
            i = m.end()
        elif c == ">":
            raise Refused("Bad Request: can't parse entities: Character '>' is reserved")
        else:
            out.append(c)
            i += 1
    if stack:
        raise Refused(f"Bad Request: can't parse entities: Can't find end tag corresponding "
                      f"to start tag \"{stack[-1]}\"")
    return "".join(out)


@dataclass
class Sent:
    """A message the bot sent, as the citizen sees it."""

    chat_id: int
    message_id: int
    text: str  # what is shown: tags gone, entities resolved
    html: str | None  # what was sent, when parse_mode was HTML
    buttons: list[list[str]]  # the labels, row by row
    data: dict[str, str]  # label -> callback_data
    reply_to: int | None
    raw: dict = field(repr=False)  # the message as the Bot API returns it


class BotAPIStandin:
    """One bot's Bot API on 127.0.0.1, and the citizens' side of it."""

    def __init__(self, token: str = "123456:TEST-token", bot_id: int = 999,
                 username: str = "chuangkou_test_bot"):
        self.token, self.bot_id, self.username = token, bot_id, username
        self.bot_user = {"id": bot_id, "is_bot": True, "first_name": "窗口", "username": username,
                         "can_join_groups": True, "can_read_all_group_messages": False,
                         "supports_inline_queries": False}
        self.requests: list[tuple[str, dict]] = []  # every call, in order
        self.commands: list[dict] = []  # as set by setMyCommands
        self.fail: dict[str, list[tuple[int, dict]]] = defaultdict(list)  # method -> errors to give
        self.webhook: dict | None = None  # as set by setWebhook: url, secret_token, ...
        self.webhook_errors: list[str] = []  # why a POST to the webhook was not accepted
        self._updates: list[dict] = []  # not yet confirmed (getUpdates) or delivered (webhook)
        self._to_deliver = asyncio.Event()  # wakes the webhook's delivery
        self._delivery: asyncio.Task | None = None
        self._client: httpx.AsyncClient | None = None
        self._arrived = asyncio.Event()
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = defaultdict(lambda: itertools.count(1))
        self._sent: dict[int, asyncio.Queue[Sent]] = defaultdict(asyncio.Queue)
        self._answers: dict[str, asyncio.Future] = {}
        self._connections: set[asyncio.Task] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    # -- serving -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> BotAPIStandin:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        # Telegram's side of a webhook. A new connection for each update: a bot restarted
        # on the same port must not be sent a request on its predecessor's connection.
        self._client = httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=0),
                                         timeout=10)
        self._delivery = asyncio.create_task(self._deliver())
        return self

    async def stop(self) -> None:
        self._delivery.cancel()
        await asyncio.gather(self._delivery, return_exceptions=True)
        await self._client.aclose()
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()

    async def __aenter__(self) -> BotAPIStandin:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._connections.add(task)
        try:
            while True:  # HTTP/1.1 keep-alive: many requests per connection
                request_line = await reader.readline()
                if not request_line:
                    return
                _, target, _ = request_line.decode("latin-1").split(" ", 2)
                headers = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length") or 0))
                status, payload = await self._call(target, headers.get("content-type", ""), body)
                data = json.dumps(payload, ensure_ascii=False).encode()
                writer.write(f"HTTP/1.1 {status} {_REASONS[status]}\r\nContent-Type: "
                             f"application/json\r\nContent-Length: {len(data)}\r\n\r\n".encode()
                             + data)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away (PTB cancels its poll at shutdown), or we stop
        finally:
            self._connections.discard(task)
            writer.close()

    async def _call(self, target: str, content_type: str, body: bytes) -> tuple[int, dict]:
        prefix = f"/bot{self.token}/"
        if not target.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = target[len(prefix):]
        if "json" in content_type:
            params = json.loads(body or b"{}")
        else:
            params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        self.requests.append((method, params))
        if self.fail[method]:
            status, payload = self.fail[method].pop(0)
            return status, payload
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        try:
            return 200, {"ok": True, "result": await handler(params)}
        except Refused as e:
            return e.status, {"ok": False, "error_code": e.status, "description": str(e)}

    # -- the Bot API methods PTB calls ------------------------------------------------------

    async def _api_getMe(self, params: dict) -> dict:
        return self.bot_user

    async def _api_setWebhook(self, params: dict) -> bool:
        url = params.get("url", "")
        if not url:
            return await self._api_deleteWebhook(params)
        if urlsplit(url).scheme not in ("http", "https"):  # Telegram's own wants https only
            raise Refused("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.fullmatch(secret):
            raise Refused("Bad Request: secret token contains unallowed characters")
        self._drop_if_asked(params)
        self.webhook = {"url": url, "secret_token": secret,
                        "allowed_updates": json.loads(params.get("allowed_updates") or "null"),
                        "max_connections": int(params.get("max_connections") or 40)}
        self._arrived.set()  # a long poll in flight ends with 409
        self._to_deliver.set()  # what is queued goes to the webhook now
        return True

    async def _api_deleteWebhook(self, params: dict) -> bool:
        self._drop_if_asked(params)
        self.webhook = None
        return True

    async def _api_getWebhookInfo(self, params: dict) -> dict:
        info = {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._updates)}
        if self.webhook:
            info.update(url=self.webhook["url"], max_connections=self.webhook["max_connections"])
            if self.webhook["allowed_updates"] is not None:
                info["allowed_updates"] = self.webhook["allowed_updates"]
            if self.webhook_errors:
                info.update(last_error_date=int(time.time()),
                            last_error_message=self.webhook_errors[-1])
        return info

    def _drop_if_asked(self, params: dict) -> None:
        if params.get("drop_pending_updates") in ("true", "True", True):
            self._updates.clear()

    async def _api_setMyCommands(self, params: dict) -> bool:
        self.commands = json.loads(params["commands"])
        return True

    async def _api_getUpdates(self, params: dict) -> list[dict]:
        if self.webhook:
            raise Refused("Conflict: can't use getUpdates method while webhook is active; "
                          "use deleteWebhook to delete the webhook first", 409)
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and float(params.get("timeout") or 0) > 0:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), float(params["timeout"]))
            except TimeoutError:
                pass
            if self.webhook:
                raise Refused("Conflict: terminated by setWebhook request", 409)
        return self._updates[: int(params.get("limit") or 100)]

    async def _api_sendMessage(self, params: dict) -> dict:
        chat_id = int(params["chat_id"])
        text = params.get("text", "")
        shown = parse_html(text) if params.get("parse_mode") == "HTML" else text
        if not shown.strip():
            raise Refused("Bad Request: message text is empty")
        if utf16_len(shown) > MAX_TEXT:
            raise Refused("Bad Request: message is too long")
        labels, data = [], {}
        if params.get("reply_markup"):
            for row in json.loads(params["reply_markup"])["inline_keyboard"]:
                labels.append([b["text"] for b in row])
                for b in row:
                    if not b["text"] or len(b.get("callback_data", "").encode()) > MAX_CALLBACK_DATA:
                        raise Refused("Bad Request: BUTTON_DATA_INVALID")
                    data[b["text"]] = b["callback_data"]
        reply_to = json.loads(params["reply_parameters"])["message_id"] \
            if params.get("reply_parameters") else None
        message = {"message_id": next(self._message_ids[chat_id]), "date": int(time.time()),
                   "chat": self._chat(chat_id), "from": self.bot_user, "text": shown}
        if params.get("reply_markup"):
            message["reply_markup"] = json.loads(params["reply_markup"])
        self._sent[chat_id].put_nowait(Sent(chat_id, message["message_id"], shown,
                                            text if params.get("parse_mode") == "HTML" else None,
                                            labels, data, reply_to, message))
        return message

    async def _api_answerCallbackQuery(self, params: dict) -> bool:
        future = self._answers.get(params["callback_query_id"])
        if future is None or future.done():
            raise Refused("Bad Request: query is too old and response timeout expired or query ID is invalid")
        future.set_result(params)
        return True

    # -- Telegram's side of a webhook -------------------------------------------------------

    async def post_update(self, update: dict, secret_token: str | None | object = _REGISTERED) -> int:
        """POST ``update`` to the webhook's URL as Telegram does, with the secret token
        given in setWebhook (or ``secret_token``; None: no header); the HTTP status."""
        assert self.webhook, "no webhook is set"
        secret = self.webhook["secret_token"] if secret_token is _REGISTERED else secret_token
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        response = await self._client.post(self.webhook["url"], json=update, headers=headers)
        return response.status_code

    async def _deliver(self) -> None:
        """While a webhook is set: each queued update POSTed, one at a time and in order,
        until accepted; after a failure, the same one again after a pause."""
        pause = 0.02
        while True:
            await self._to_deliver.wait()
            self._to_deliver.clear()
            while self.webhook and self._updates:
                update = self._updates[0]
                try:
                    status = await self.post_update(update)
                    error = None if 200 <= status < 300 else f"Wrong response from the webhook: {status}"
                except httpx.HTTPError as e:
                    error = f"Connection failed: {type(e).__name__}"
                if error is None:
                    if self._updates and self._updates[0] is update:
                        self._updates.pop(0)
                    pause = 0.02
                else:  # as Telegram, try again a little later (or when something new comes)
                    self.webhook_errors.append(error)
                    try:
                        await asyncio.wait_for(self._to_deliver.wait(), pause)
                    except TimeoutError:
                        pass
                    self._to_deliver.clear()
                    pause = min(2 * pause, 1.0)

    # -- the citizens' side ---------------------------------------------------------------

    def _chat(self, chat_id: int) -> dict:
        if chat_id < 0:
            return {"id": chat_id, "type": "supergroup", "title": "业主群"}
        return {"id": chat_id, "type": "private", "first_name": f"群众{chat_id}"}

    def _user(self, user_id: int) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": f"群众{user_id}", "language_code": "zh-hans"}

    def update(self, **content) -> dict:
        """An update with the next id, not queued (see ``post_update``)."""
        return {"update_id": next(self._update_ids), **content}

    def queue(self, update: dict) -> int:
        """Deliver ``update`` (without its id) to the bot's next poll, or to its webhook."""
        update = self.update(**update)
        self._updates.append(update)
        self._arrived.set()
        self._to_deliver.set()
        return update["update_id"]

    def message(self, chat_id: int, user_id: int | None = None, **content) -> dict:
        return {"message_id": next(self._message_ids[chat_id]), "date": int(time.time()),
                "chat": self._chat(chat_id), "from": self._user(user_id or chat_id), **content}

    def send_text(self, chat_id: int, text: str, user_id: int | None = None, *,
                  edited: bool = False, reply_to: Sent | None = None) -> int:
        """The citizen types ``text`` (a command is marked as Telegram marks it)."""
        content: dict = {"text": text}
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0,
                             "length": utf16_len(text.split()[0])})
        mention = f"@{self.username}"
        if mention in text and not text.startswith("/"):
            entities.append({"type": "mention", "offset": utf16_len(text[: text.index(mention)]),
                             "length": utf16_len(mention)})
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            content["reply_to_message"] = reply_to.raw
        message = self.message(chat_id, user_id, **content)
        if edited:
            message["edit_date"] = int(time.time())
            return self.queue({"edited_message": message})
        return self.queue({"message": message})

    def send(self, chat_id: int, user_id: int | None = None, **content) -> int:
        """Anything else a citizen can send: sticker={...}, photo=[...], location={...}."""
        return self.queue({"message": self.message(chat_id, user_id, **content)})

    def press(self, sent: Sent, label: str, user_id: int | None = None) -> str:
        """Press the button labelled ``label`` under ``sent``; the query's id."""
        assert label in sent.data, f"no button {label!r} under: {sent.buttons}"
        query_id = f"q{next(self._update_ids)}"
        self._answers[query_id] = asyncio.get_running_loop().create_future()
        self.queue({"callback_query": {
            "id": query_id, "from": self._user(user_id or sent.chat_id),
            "chat_instance": str(sent.chat_id), "message": sent.raw, "data": sent.data[label]}})
        return query_id

    async def next_sent(self, chat_id: int, timeout: float = 10) -> Sent:
        """The next message the bot sends to ``chat_id`` (waits for it)."""
        return await asyncio.wait_for(self._sent[chat_id].get(), timeout)

    async def answer(self, query_id: str, timeout: float = 10) -> dict:
        """The bot's answerCallbackQuery for ``query_id`` (waits for it)."""
        return await asyncio.wait_for(self._answers[query_id], timeout)

    def unread(self, chat_id: int) -> int:
        """Messages sent to ``chat_id`` that the test has not looked at."""
        return self._sent[chat_id].qsize()
