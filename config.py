"""Settings: defaults, then the YAML file, then the environment; checked at load.

Passed around as one object (no global). A bad file or value raises ConfigError with
a one-line message that names the key.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

HERE = Path(__file__).resolve().parent
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"
TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILES = "https://api.telegram.org/file/bot"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key."""


@dataclass(frozen=True)
class Webhook:
    """Webhook mode: Telegram posts each update to ``url`` (public, HTTPS, a reverse proxy's);
    the proxy passes it on to ``listen``:``port`` at ``path``, where the bot serves it."""

    url: str
    listen: str = "127.0.0.1"
    port: int = 8443
    path: str = "/"
    # Telegram sends it in X-Telegram-Bot-Api-Secret-Token with every update; a request
    # without it is refused. None: a new random one at each start. Never in a log.
    secret_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Config:
    # repr=False: the token must never reach a log or a traceback.
    token: str | None = field(default=None, repr=False)
    base_url: str = TELEGRAM_API
    base_file_url: str = TELEGRAM_FILES
    # None: long polling (the default).
    webhook: Webhook | None = None
    knowledge: Path = HERE / "knowledge"
    database: Path = HERE / "chuangkou.db"
    supervisors: tuple[int, ...] = ()
    idle_minutes: float = 10.0
    # The hall's clock: days and months of reports, and the closing time, are local.
    timezone: str = "Asia/Shanghai"
    # When the day's report goes to the supervisors (None: never by itself).
    closing_time: time | None = time(17, 30)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# key -> (types accepted, description used in messages)
_KEYS = {
    "telegram": (dict, "a mapping"),
    "knowledge": (str, "a folder path"),
    "database": (str, "a file path"),
    "supervisors": (list, "a list of Telegram user ids"),
    "idle_minutes": ((int, float), "a number of minutes"),
    "timezone": (str, "a time zone name such as Asia/Shanghai"),
    "closing_time": (str, 'a time of day such as "17:30", or empty for none'),
}
_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_TELEGRAM_KEYS = ("token", "base_url", "base_file_url", "webhook")
_WEBHOOK_KEYS = {
    "url": (str, "the public https:// URL Telegram posts to"),
    "listen": (str, "an IP address (or host name) to listen on, such as 127.0.0.1"),
    "port": (int, "a port number (1-65535)"),
    "path": (str, "a path such as /telegram (letters, digits and - _ . ~ /)"),
    "secret_token": (str, "1-256 characters: letters, digits, _ and -"),
}
# What Telegram accepts as a secret token; what a path may hold (PTB reads it as a regex).
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")


def load_config(path: Path | None = None, environ: os._Environ | dict | None = None) -> Config:
    """Read ``path`` (or ``config.yaml`` beside bot.py if it exists) over the defaults."""
    environ = os.environ if environ is None else environ
    explicit = path is not None
    path = Path(path) if explicit else HERE / "config.yaml"
    raw: object = {}
    if path.exists():
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            mark = getattr(e, "problem_mark", None)
            where = f":{mark.line + 1}" if mark else ""
            raise ConfigError(f"{path}{where}: not valid YAML") from None
        except OSError as e:
            raise ConfigError(f"{path}: cannot be read ({e.strerror})") from None
    elif explicit:
        raise ConfigError(f"{path}: no such config file")
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: must be a mapping of settings")

    values: dict = {}
    for key, value in raw.items():
        if key not in _KEYS:
            raise ConfigError(f"{path}: unknown setting '{key}'")
        types, what = _KEYS[key]
        if value is None:
            if key == "closing_time":
                values[key] = None  # written but left empty: no daily report
            continue
        if not isinstance(value, types) or isinstance(value, bool):
            raise ConfigError(f"{path}: '{key}' must be {what}")
        values[key] = value

    telegram = values.pop("telegram", {})
    hook: dict = {}
    for key, value in telegram.items():
        if key not in _TELEGRAM_KEYS:
            raise ConfigError(f"{path}: unknown setting 'telegram.{key}'")
        if key == "webhook":
            if value is not None and not isinstance(value, dict):
                raise ConfigError(f"{path}: 'telegram.webhook' must be a mapping")
            hook = value or {}
            continue
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{path}: 'telegram.{key}' must be text")
        if value:
            values[key] = value
    if environ.get(TOKEN_ENV):
        values["token"] = environ[TOKEN_ENV]
    webhook = _webhook(path, hook, environ, values.get("token"))
    if webhook is not None:
        values["webhook"] = webhook

    base = path.parent.resolve()
    for key in ("knowledge", "database"):
        if key in values:
            values[key] = (base / os.path.expanduser(values[key])).resolve()
    if "supervisors" in values:
        ids = values["supervisors"]
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise ConfigError(f"{path}: 'supervisors' must be a list of Telegram user ids (numbers)")
        values["supervisors"] = tuple(ids)
    if "timezone" in values:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{path}: 'timezone' {values['timezone']!r} is not a known time "
                              "zone (e.g. Asia/Shanghai)") from None
    if values.get("closing_time") is not None:
        m = _CLOCK.fullmatch(values["closing_time"].strip())
        if not m:
            raise ConfigError(f"{path}: 'closing_time' must be a time of day such as \"17:30\"")
        values["closing_time"] = time(int(m.group(1)), int(m.group(2)))
    if values.get("idle_minutes", 1) <= 0:
        raise ConfigError(f"{path}: 'idle_minutes' must be more than 0")
    return Config(**values)


def _webhook(path: Path, raw: dict, environ, token: str | None) -> Webhook | None:
    """The ``telegram.webhook`` settings, checked; None (long polling) without a url."""
    values: dict = {}
    for key, value in raw.items():
        name = f"telegram.webhook.{key}"
        if key not in _WEBHOOK_KEYS:
            raise ConfigError(f"{path}: unknown setting '{name}'")
        types, what = _WEBHOOK_KEYS[key]
        if value is None or value == "":
            continue
        if not isinstance(value, types) or isinstance(value, bool):
            raise ConfigError(f"{path}: '{name}' must be {what}")
        values[key] = value.strip() if isinstance(value, str) else value
    # Never the secret itself in a message: only the key, or the variable, that holds it.
    secret_from = f"{path}: 'telegram.webhook.secret_token'"
    if environ.get(SECRET_ENV):
        values["secret_token"], secret_from = environ[SECRET_ENV], f"the environment variable {SECRET_ENV}"
    if "secret_token" in values and not _SECRET.fullmatch(values["secret_token"]):
        raise ConfigError(f"{secret_from} must be {_WEBHOOK_KEYS['secret_token'][1]}")
    if "port" in values and not 0 < values["port"] < 65536:
        raise ConfigError(f"{path}: 'telegram.webhook.port' must be {_WEBHOOK_KEYS['port'][1]}")
    if "listen" in values and any(c.isspace() for c in values["listen"]):
        raise ConfigError(f"{path}: 'telegram.webhook.listen' must be {_WEBHOOK_KEYS['listen'][1]}")
    url = values.pop("url", None)
    if url is None:
        return None  # long polling; the other settings wait, checked, for a url
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("https", "http") and bool(parts.hostname)
    except ValueError:  # such as an unclosed [IPv6 address
        usable = False
    # http:// is for a self-hosted Bot API server (--local) and tests; Telegram's own
    # refuses it when the bot starts.
    if not usable:
        raise ConfigError(f"{path}: 'telegram.webhook.url' must be {_WEBHOOK_KEYS['url'][1]}")
    for key in ("url", "path"):
        if token and token in (url if key == "url" else values.get(key, "")):
            # It would sit in every proxy's access log. What proves a request is Telegram's
            # is the secret token.
            raise ConfigError(f"{path}: 'telegram.webhook.{key}' must not hold the bot's token "
                              "(set telegram.webhook.secret_token instead)")
    # By default the path is the URL's own: the proxy passes the request on unchanged.
    route = values.get("path", parts.path).strip("/")
    route = f"/{route}" if route else "/"
    if not _PATH.fullmatch(route):
        what = _WEBHOOK_KEYS["path"][1]
        raise ConfigError(f"{path}: 'telegram.webhook.path' must be {what}" if "path" in values else
                          f"{path}: the path of 'telegram.webhook.url' is not one the bot can "
                          f"serve; set 'telegram.webhook.path' to {what}")
    values["path"] = route
    return Webhook(url=url, **values)
