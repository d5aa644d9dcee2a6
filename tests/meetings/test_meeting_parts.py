"""The meetings list's items are kept as shared parts (``hub.meetings.parts``): each is written
as meetings/_meeting_item.html writes it, for every status, host, answer and language, the
first time and when shown again from the store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from hub.core.i18n import locale_object
from hub.meetings.listing import ListedMeeting, Named
from hub.meetings.parts import MEETING_PARTS, meeting_items

MACRO = (
    '{% from "meetings/_meeting_item.html" import meeting_item %}'
    "{{ meeting_item(m, show_network, answers) }}"
)

SPRING = datetime(2027, 3, 4, 8, 30, tzinfo=UTC)
MEETINGS = [
    ListedMeeting(
        1, "Vårträff <i>i</i> Halland", "scheduled", SPRING, Named("Halland & co"), Named("Varberg")
    ),
    ListedMeeting(
        2,
        "Inställd träff",
        "cancelled",
        datetime(2027, 7, 1, 6, 0, tzinfo=UTC),
        Named("Halland"),
        None,
    ),
    ListedMeeting(
        3,
        "Höstträff",
        "held",
        datetime(2026, 10, 9, 7, 30, tzinfo=UTC),
        Named("Stockholm"),
        Named("Solna"),
    ),
]
ANSWERS = {1: "on_site", 2: "online", 3: "not_coming"}


def by_macro(app, meetings, show_network, answers) -> list[str]:
    template = app.jinja_env.from_string(MACRO)
    return [
        template.render(m=m, show_network=show_network, answers=answers or None) for m in meetings
    ]


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("show_network", [True, False])
@pytest.mark.parametrize("answers", [{}, ANSWERS, {1: "online"}])
def test_each_item_is_the_macros_first_and_again(app, language, show_network, answers):
    with app.test_request_context("/traffar"), force_locale(locale_object(language)):
        expected = by_macro(app, MEETINGS, show_network, answers)
        app.extensions.pop(MEETING_PARTS, None)
        first = meeting_items(MEETINGS, show_network=show_network, answers=answers)
        again = meeting_items(MEETINGS, show_network=show_network, answers=answers)

    assert [str(item) for item in first] == expected
    assert [str(item) for item in again] == expected


def test_a_readers_answer_is_not_shown_to_another(app):
    with app.test_request_context("/traffar"):
        answered = meeting_items(MEETINGS[:1], show_network=True, answers={1: "online"})
        other = meeting_items(MEETINGS[:1], show_network=True)
    assert "Du kommer digitalt" in answered[0]
    assert "Du kommer" not in other[0]


def test_a_changed_meeting_is_a_new_part(app):
    changed = ListedMeeting(1, "Ny titel", "scheduled", SPRING, Named("Halland & co"), None)
    with app.test_request_context("/traffar"):
        meeting_items(MEETINGS[:1], show_network=True)
        shown = meeting_items([changed], show_network=True)
    assert "Ny titel" in shown[0] and "Vårträff" not in shown[0]
