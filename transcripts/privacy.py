"""Personal data masked before it is stored, and a stable pseudonym for each citizen.

``mask(text)`` replaces, wherever they stand (inside Chinese text too):

- 18-digit resident ID numbers whose check digit is right (GB 11643), and old 15-digit
  ones whose birth date is a real date: ``[ID]``;
- mainland mobile numbers (1[3-9] and 9 digits, optionally +86, spaces or dashes):
  ``[MOBILE]``;
- bank card numbers, 16 to 19 digits (optionally in groups) passing the Luhn check:
  ``[CARD]``;
- e-mail addresses: ``[EMAIL]``.

Ordinary numbers stay: 5号窗口, 3个工作日, 2025年, 20元, a hotline 0000-1234567, and a
long number that fails its checksum (a typo is not an ID, and masking it would hide
what the citizen wrote to no purpose).

>>> mask("我的身份证11010519491231002X，电话138 0013 8000，5号窗口")
'我的身份证[ID]，电话[MOBILE]，5号窗口'

``pseudonym(secret, channel, user_id)`` is what reviews show instead of a Telegram id:
an HMAC of the id under a secret kept in the database (table ``meta``), so the same
citizen has the same name in every review of that database and the id cannot be read
back from it without the secret.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

ID, MOBILE, CARD, EMAIL = "[ID]", "[MOBILE]", "[CARD]", "[EMAIL]"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A run of digits (ASCII only: full-width digits are rare in typed Chinese and an
# ordinary number in them is as likely), with single spaces or dashes between groups;
# an ID may end in X. Never part of a longer run of digits or letters.
_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?[0-9](?:[- ]?[0-9])+(?:[Xx](?![A-Za-z]))?(?![0-9])")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def id_number_ok(digits: str) -> bool:
    """An 18-digit resident ID (last may be X) with the right check digit and a real birth
    date, or a 15-digit one with a real birth date (19YYMMDD)."""
    if len(digits) == 18 and digits[:17].isdigit():
        total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS))
        return _ID_CHECK[total % 11] == digits[17].upper() and _real_date(digits[6:14])
    if len(digits) == 15 and digits.isdigit():
        return _real_date("19" + digits[6:12])
    return False


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _real_date(yyyymmdd: str) -> bool:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return 1900 <= born.year <= date.today().year


def _replace(m: re.Match) -> str:
    raw = m.group()
    digits = re.sub(r"[- ]", "", raw)
    if digits.startswith("+"):
        digits = digits[1:]
    # A leading 86 belongs to a mobile number only; an ID or card is read without it.
    if digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        return MOBILE
    if id_number_ok(digits):
        return ID
    if _MOBILE.fullmatch(digits):
        return MOBILE
    if 16 <= len(digits) <= 19 and digits.isdigit() and luhn_ok(digits):
        return CARD
    if " " in raw or "-" in raw:
        # Groups that are not one number as a whole (a date, 9:00-17:30, 3 5 7): look at
        # each group alone.
        return re.sub(r"[0-9]+[Xx]?", lambda g: _replace_group(g.group()), raw)
    return raw


def _replace_group(group: str) -> str:
    if id_number_ok(group):
        return ID
    if _MOBILE.fullmatch(group):
        return MOBILE
    if 16 <= len(group) <= 19 and group.isdigit() and luhn_ok(group):
        return CARD
    return group


def mask(text: str | None) -> str | None:
    """``text`` with ID numbers, mobile numbers, bank cards and e-mail addresses masked."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL, text)
    return _NUMBER.sub(_replace, text)


def pseudonym(secret: str, channel: str, user_id: int) -> str:
    """A stable, short name for one citizen: the same for the same secret and id."""
    digest = hmac.new(secret.encode(), f"{channel}:{user_id}".encode(), hashlib.sha256)
    return "c-" + digest.hexdigest()[:8]
