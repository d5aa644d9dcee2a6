"""Material in the network's life: helpful marks, the discussion thread, meeting agendas.

The one writer of ``material_helpful``, ``meeting_material`` and ``material_item.question_id``.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select, update

from hub.auth.models import User
from hub.core.db import utcnow
from hub.core.rules import Conflict
from hub.extensions import db
from hub.material.items import MaterialError
from hub.material.models import MaterialHelpful, MaterialItem, meeting_material
from hub.meetings.models import Meeting, MeetingStatus


def has_marked_helpful(item: MaterialItem, user: User) -> bool:
    return db.session.get(MaterialHelpful, {"item_id": item.id, "user_id": user.id}) is not None


def toggle_helpful(item: MaterialItem, user: User) -> bool:
    """Mark or unmark; returns whether it is marked now. The count is recounted, not added to,
    so two clicks at once cannot make it drift."""
    mark = db.session.get(MaterialHelpful, {"item_id": item.id, "user_id": user.id})
    if mark is None:
        db.session.add(MaterialHelpful(item_id=item.id, user_id=user.id))
    else:
        db.session.delete(mark)
    db.session.flush()
    count = select(func.count()).where(MaterialHelpful.item_id == item.id).scalar_subquery()
    db.session.execute(
        update(MaterialItem).where(MaterialItem.id == item.id).values(helpful_count=count)
    )
    db.session.refresh(item, ["helpful_count"])
    return mark is None


def discussion_category_id() -> int | None:
    from hub.forum.models import Category

    wanted = current_app.config.get("MATERIAL_DISCUSSION_CATEGORY") or ""
    query = select(Category.id).order_by(Category.position, Category.id)
    if wanted:
        found = db.session.scalar(select(Category.id).where(Category.slug == wanted))
        if found is not None:
            return found
    return db.session.scalar(query.limit(1))


def start_discussion(item: MaterialItem, user: User, *, item_url: str) -> int:
    """The item's discussion question, made the first time someone asks for it. Two people at
    once: the second one's question is rolled back by the caller and both land in the first."""
    if item.question_id is not None:
        return item.question_id
    category_id = discussion_category_id()
    if category_id is None:
        raise MaterialError(_("Det finns ingen kategori i forumet ännu. Be en admin skapa en."))
    from hub.forum.questions import create_question

    tags = [tag.name for tag in item.tags]
    question = create_question(
        user,
        title=_("Samtal om: %(title)s", title=item.title)[:200],
        body=_("Här pratar vi om materialet [%(title)s](%(url)s).", title=item.title, url=item_url),
        category_id=category_id,
        tag_names=tags[:5],
    )
    claimed = db.session.execute(
        update(MaterialItem)
        .where(MaterialItem.id == item.id, MaterialItem.question_id.is_(None))
        .values(question_id=question.id)
    ).rowcount
    if claimed != 1:
        raise DiscussionTaken
    item.question_id = question.id
    return question.id


class DiscussionTaken(Conflict):
    """Someone else started the discussion a moment ago."""

    def __init__(self) -> None:
        super().__init__(_("Någon annan hann före, eller så är det låst."))


# --- meeting agendas ----------------------------------------------------------------------


def meetings_using(item: MaterialItem) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .join(meeting_material, meeting_material.c.meeting_id == Meeting.id)
            .where(meeting_material.c.item_id == item.id)
            .order_by(Meeting.starts_at.desc())
        )
    )


def material_on_agenda(meeting_id: int, user: User) -> list[MaterialItem]:
    """The material a meeting's agenda lists, as far as this person may see it."""
    from hub.material.items import visible_clause

    return list(
        db.session.scalars(
            select(MaterialItem)
            .join(meeting_material, meeting_material.c.item_id == MaterialItem.id)
            .where(meeting_material.c.meeting_id == meeting_id, visible_clause(user))
            .order_by(meeting_material.c.added_at, MaterialItem.id)
        )
    )


def meetings_user_can_plan(user: User) -> list[Meeting]:
    """Coming meetings this person may change the agenda of."""
    from sqlalchemy.orm import joinedload

    from hub.meetings.scheduling import can_manage, user_network_ids

    rows = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.network_id.in_(user_network_ids(user)),
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at >= utcnow(),
        )
        .options(joinedload(Meeting.network))
        .order_by(Meeting.starts_at)
    )
    return [meeting for meeting in rows if can_manage(user, meeting)]


def add_to_agenda(item: MaterialItem, meeting: Meeting) -> bool:
    """Returns False when the agenda already lists it (a double click)."""
    exists = db.session.execute(
        select(meeting_material.c.item_id).where(
            meeting_material.c.meeting_id == meeting.id, meeting_material.c.item_id == item.id
        )
    ).first()
    if exists is not None:
        return False
    db.session.execute(
        insert(meeting_material).values(meeting_id=meeting.id, item_id=item.id, added_at=utcnow())
    )
    return True


def remove_from_agenda(item: MaterialItem, meeting: Meeting) -> None:
    db.session.execute(
        delete(meeting_material).where(
            meeting_material.c.meeting_id == meeting.id, meeting_material.c.item_id == item.id
        )
    )
