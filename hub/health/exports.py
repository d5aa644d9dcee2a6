"""The health figures as CSV: the same numbers as the page, one figure per row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask_babel import gettext as _

from hub.directory.exports import safe_cell
from hub.health.figures import NetworkHealth


def health_rows(health: NetworkHealth) -> Iterator[tuple[str, str, str | int | float]]:
    """(municipality or "", figure, value); the network's own figures have no municipality."""
    forum = health.forum
    yield "", _("Håller stafettpinnen"), health.holder_name or ""
    yield "", _("Frågor de senaste 90 dagarna"), forum.questions
    yield "", _("Frågor utan svar efter 7 dagar"), forum.unanswered
    median = forum.median_first_answer
    yield "", _("Tid till första svar, median (timmar)"), hours(median) if median else ""
    share = forum.accepted_share
    yield (
        "",
        _("Andel frågor med godkänt svar (%)"),
        round(100 * share) if share is not None else "",
    )
    for year, count in health.meetings_per_year:
        yield "", _("Träffar %(year)s", year=year), count
    booking = health.median_days_to_booking
    yield "", _("Dagar från överlämning till bokad träff, median"), booking if booking else ""
    for m in health.municipalities:
        yield m.name, _("Listade i katalogen"), m.listed
        yield m.name, _("Bekräftade konton"), m.confirmed
        yield m.name, _("Inne de senaste 90 dagarna"), m.seen
        yield m.name, _("Inbjudningar som väntar"), m.pending
        yield m.name, _("Inbjudningar som gått ut"), m.expired
        for meeting, coming in zip(health.last_meetings, m.attendance, strict=True):
            yield m.name, _("Kom till %(title)s", title=meeting.title), coming


def hours(duration) -> float:
    return round(duration.total_seconds() / 3600, 1)


def health_csv(health: NetworkHealth) -> str:
    """Semicolon-separated with a BOM, as the member list: Excel with Swedish settings opens it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Kommun"), _("Mått"), _("Värde")])
    for municipality, figure, value in health_rows(health):
        writer.writerow([safe_cell(municipality), safe_cell(figure), value])
    return "\ufeff" + out.getvalue()
