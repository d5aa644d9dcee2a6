"""The meetings list's items, each kept as a shared part (``hub.core.layout``): a list shows up
to seventy, and an item is the same for every reader who sees the same meeting with the same
answer of their own, in the same language (issue 17).

An item's facts are the row it shows (``ListedMeeting``: a new title, time, status or host is a
new part) and the reader's answer; nothing of the reader but that answer goes into it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup

from hub.core.layout import shared_parts
from hub.meetings.listing import ListedMeeting

ITEMS = "meetings/_meeting_parts.html"
MEETING_PARTS = "hub_meeting_parts"
# Per worker: ~0.5 kB of part and ~0.3 kB of key each; two languages of a few thousand meetings.
MAX_MEETING_PARTS = 4096


def meeting_items(
    meetings: Sequence[ListedMeeting], *, show_network: bool, answers: Mapping[int, str] = {}
) -> list[Markup]:
    """Each meeting's ``<li>`` as meetings/_meeting_item.html writes it."""
    many = [
        {"meeting": meeting, "show_network": show_network, "answer": answers.get(meeting.id)}
        for meeting in meetings
    ]
    return shared_parts(ITEMS, many, {}, store=MEETING_PARTS, limit=MAX_MEETING_PARTS)
