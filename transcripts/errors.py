"""The named errors of reviews and reports, raised and never swallowed; bot.py prints
their message in one line."""


class ReviewError(Exception):
    """The review cannot be done (no such database, no such conversation...)."""


class PeriodError(ValueError):
    """A date or month written in a way we cannot read; the message says how to write it."""
