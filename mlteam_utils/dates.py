"""Dates and times as a person reads them, the same on every page the course writes.

Month names are spelled out here rather than taken from ``strftime("%B")``, which follows
the process's locale: a certificate, a feedback page and a notice read the same on every
machine.

>>> from datetime import UTC, datetime
>>> day_in_words("2026-03-03"), moment_in_words(datetime(2027, 1, 15, 17, 0, tzinfo=UTC))
('3 March 2026', '15 January 2027, 17:00 UTC')
"""

from __future__ import annotations

from datetime import UTC, date, datetime

__all__ = ["MONTHS", "day_in_words", "moment_in_words"]

#: English month names, fixed whatever the machine's locale.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def day_in_words(iso: str) -> str:
    """An ISO date (or date and time) as a day a person reads; anything else as it is.

    >>> day_in_words("2026-12-25T10:00:00"), day_in_words("soon")
    ('25 December 2026', 'soon')
    """
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def moment_in_words(moment: datetime) -> str:
    """A time in UTC as a person reads it (a naive time is taken as UTC).

    >>> moment_in_words(datetime(2020, 1, 1))
    '1 January 2020, 00:00 UTC'
    """
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M} UTC"
