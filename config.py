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
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

HERE = Path(__file__).resolve().parent
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILES = "https://api.telegram.org/file/bot"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key."""


@dataclass(frozen=True)
class Config:
    # repr=False: the token must never reach a log or a traceback.
    token: str | None = field(default=None, repr=False)
    base_url: str = TELEGRAM_API
    base_file_url: str = TELEGRAM_FILES
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
_TELEGRAM_KEYS = ("token", "base_url", "base_file_url")


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
    for key, value in telegram.items():
        if key not in _TELEGRAM_KEYS:
            raise ConfigError(f"{path}: unknown setting 'telegram.{key}'")
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{path}: 'telegram.{key}' must be text")
        if value:
            values[key] = value
    if environ.get(TOKEN_ENV):
        values["token"] = environ[TOKEN_ENV]

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
