"""Stockholm wall-clock times typed into forms, turned into UTC without surprises at DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from hub.core.i18n import STOCKHOLM, from_stockholm


class NonexistentLocalTime(ValueError):
    """A time that the clocks skip in spring (02:00–02:59 on the last Sunday of March)."""


def stockholm_to_utc(day: date, clock: time) -> datetime:
    """The UTC moment of a Stockholm date and time.

    In the autumn hour that happens twice the first occurrence (summer time) is chosen; a time in
    the spring gap does not exist and raises ``NonexistentLocalTime``.
    """
    local = datetime.combine(day, clock.replace(tzinfo=None, fold=0))
    moment = from_stockholm(local)
    if moment.astimezone(STOCKHOLM).replace(tzinfo=None) != local:
        raise NonexistentLocalTime(local.isoformat())
    return moment.astimezone(UTC)


def utc_to_stockholm(moment: datetime) -> datetime:
    return moment.astimezone(STOCKHOLM)
