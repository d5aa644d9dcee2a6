"""Rules for material items: who sees what, the list, adding, editing, files and captions.

This module is the one writer of ``material_item``, ``material_file`` and ``material_revision``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Integer, Row, Select, and_, cast, exists, null, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from hub.auth.models import User
from hub.auth.permissions import Permission, can
from hub.core.db import utcnow
from hub.core.driver_rows import written_in
from hub.core.markdown import render_markdown
from hub.core.models import Tag
from hub.core.rules import RuleError
from hub.core.tags import get_or_create_tags
from hub.directory.models import CareArea
from hub.extensions import db
from hub.material.files import CheckedFile
from hub.material.models import (
    FileRole,
    Kind,
    MaterialFile,
    MaterialItem,
    MaterialRevision,
    PreviewState,
    SourceKind,
    material_care_area,
    material_tag,
)
from hub.material.storage import storage

SORTS = ("newest", "title", "helpful")
PER_PAGE = 20


class MaterialError(RuleError):
    """A rule of the library said no (``field`` names the form field it belongs to)."""


# --- who sees what ------------------------------------------------------------------------


def is_staff(user: User) -> bool:
    return can(user, Permission.MODERATE)


def is_visible_to(item: MaterialItem, user: User) -> bool:
    """Everything not deleted, except a film of ours still without captions: only its author and
    coordinators see that, so they can add the captions (WCAG 1.2.2)."""
    if item.deleted_at is not None:
        return False
    return is_shown_to_everyone(item) or item.author_id == user.id or is_staff(user)


def is_shown_to_everyone(item: MaterialItem) -> bool:
    return item.kind != Kind.FILM or item.captions_ok or item.url is not None


def visible_clause(user: User | None):
    """``is_visible_to`` as SQL; ``user=None`` is "everyone" (the digest, the start page)."""
    shown = or_(
        MaterialItem.kind != Kind.FILM, MaterialItem.captions_ok, MaterialItem.url.is_not(None)
    )
    if user is not None and is_staff(user):
        shown = true()
    elif user is not None:
        shown = or_(shown, MaterialItem.author_id == user.id)
    return and_(MaterialItem.deleted_at.is_(None), shown)


def can_edit(user: User, item: MaterialItem) -> bool:
    """The author and coordinators (and admins)."""
    return (item.author_id is not None and item.author_id == user.id) or is_staff(user)


def get_item_for(user: User, item_id: int, *, full: bool = False) -> MaterialItem | None:
    options = [selectinload(MaterialItem.files)]
    if full:
        options += [
            joinedload(MaterialItem.author),
            selectinload(MaterialItem.tags),
            selectinload(MaterialItem.care_areas),
        ]
    item = db.session.scalar(
        select(MaterialItem).where(MaterialItem.id == item_id).options(*options)
    )
    if item is None or not is_visible_to(item, user):
        return None
    return item


def file_of(item: MaterialItem, role: str) -> MaterialFile | None:
    return next((f for f in item.files if f.role == role), None)


# --- the list -----------------------------------------------------------------------------


@dataclass
class MaterialFilters:
    kind: str = ""
    care_area: str = ""
    tag: Tag | None = None
    source: str = ""
    sort: str = "newest"
    page: int = 1
    per_page: int = PER_PAGE

    def args(self) -> dict[str, str]:
        """The query string that gives this list again (for links and the feed)."""
        values = {
            "typ": self.kind,
            "verksamhet": self.care_area,
            "tagg": self.tag.slug if self.tag else "",
            "kalla": self.source,
            "sort": self.sort if self.sort != "newest" else "",
        }
        return {k: v for k, v in values.items() if v}


@dataclass
class MaterialPage:
    items: list[MaterialItem] = field(default_factory=list)
    has_next: bool = False


def list_query(filters: MaterialFilters, user: User | None) -> Select:
    query = select(MaterialItem).where(visible_clause(user))
    if filters.kind:
        query = query.where(MaterialItem.kind == filters.kind)
    if filters.source:
        query = query.where(MaterialItem.source_kind == filters.source)
    if filters.care_area:
        query = query.where(
            exists().where(
                material_care_area.c.item_id == MaterialItem.id,
                material_care_area.c.care_area_slug == filters.care_area,
            )
        )
    if filters.tag is not None:
        query = query.where(
            exists().where(
                material_tag.c.item_id == MaterialItem.id, material_tag.c.tag_id == filters.tag.id
            )
        )
    order = {
        "title": (MaterialItem.title, MaterialItem.id),
        "helpful": (MaterialItem.helpful_count.desc(), MaterialItem.created_at.desc()),
    }.get(filters.sort, (MaterialItem.created_at.desc(), MaterialItem.id.desc()))
    return query.order_by(*order)


def list_items(filters: MaterialFilters, user: User | None) -> MaterialPage:
    """One page of the list, with tags, care areas and files in three more statements."""
    offset = (filters.page - 1) * filters.per_page
    rows = list(
        db.session.scalars(
            list_query(filters, user)
            .options(
                selectinload(MaterialItem.tags),
                selectinload(MaterialItem.care_areas),
                selectinload(MaterialItem.files),
            )
            .offset(offset)
            .limit(filters.per_page + 1)
        )
    )
    return MaterialPage(rows[: filters.per_page], len(rows) > filters.per_page)


def newest_items(limit: int, *, since: datetime | None = None, until: datetime | None = None):
    """What is new for everyone: the start page and the digest."""
    query = select(MaterialItem).where(visible_clause(None))
    if since is not None:
        query = query.where(MaterialItem.created_at >= since)
    if until is not None:
        query = query.where(MaterialItem.created_at < until)
    return list(db.session.scalars(query.order_by(MaterialItem.created_at.desc()).limit(limit)))


class NewMaterial(NamedTuple):
    id: int
    kind: str
    title: str
    created_at: datetime


def newest_part() -> Select:
    """``newest_items`` for the start page, in its columns (``hub.site.start``): id, title,
    created_at, NULL and the kind; its limit written in."""
    return (
        select(
            MaterialItem.id,
            MaterialItem.title,
            MaterialItem.created_at,
            cast(null(), Integer).label("count"),
            MaterialItem.kind,
        )
        .where(visible_clause(None))
        .order_by(MaterialItem.created_at.desc())
        .limit(written_in("material_limit"))
    )


def newest_of(rows: list[Row]) -> list[NewMaterial]:
    """``newest_part``'s rows as the start page shows them."""
    return [NewMaterial(row[1], row[5], row[2], row[3]) for row in rows]


def care_areas() -> list[CareArea]:
    return list(db.session.scalars(select(CareArea).order_by(CareArea.position)))


# --- writing ------------------------------------------------------------------------------


@dataclass
class ItemData:
    title: str
    summary: str
    care_areas: list[str]
    tag_names: list[str]
    source_kind: str
    source_name: str
    licence: str
    language: str
    url: str | None = None
    body: str = ""


def check_tags(raw: str) -> list[str]:
    """The forum's tag rules (the tags are shared); its message goes next to our tag field."""
    from hub.forum.questions import ForumError
    from hub.forum.questions import check_tags as forum_check_tags

    try:
        return forum_check_tags(raw)
    except ForumError as error:
        raise MaterialError(error.message, field="tags") from error


def check_new_item(kind: str, data: ItemData, main: CheckedFile | None, captions) -> None:
    """What each kind needs: a film a video or a link (not both), a guide or document a file, a
    link its address, a how-to page its text."""
    if kind == Kind.FILM:
        if main is None and not data.url:
            raise MaterialError(
                _("Ladda upp filmen som MP4, eller skriv en länk till den."), field="file"
            )
        if main is not None and data.url:
            raise MaterialError(_("Välj antingen en fil eller en länk, inte båda."), field="url")
        if main is None and captions is not None:
            raise MaterialError(
                _("Textning behövs bara för en film du laddar upp."), field="captions"
            )
    elif kind in (Kind.GUIDE, Kind.DOCUMENT):
        if main is None:
            raise MaterialError(_("Välj en fil att ladda upp."), field="file")
    elif kind == Kind.LINK:
        if not data.url:
            raise MaterialError(_("Skriv länkens webbadress."), field="url")
    elif kind == Kind.HOWTO and len(data.body.strip()) < 20:
        raise MaterialError(_("Skriv sidans text, minst 20 tecken."), field="body")
    if kind != Kind.FILM and captions is not None:
        raise MaterialError(_("Textning hör bara till filmer."), field="captions")


def allowed_main_types(kind: str) -> set[str]:
    if kind == Kind.FILM:
        return {"video"}
    if kind in (Kind.GUIDE, Kind.DOCUMENT):
        return {"pdf", "office", "image"}
    return set()


def _apply(item: MaterialItem, data: ItemData) -> None:
    item.title = data.title.strip()
    item.summary = data.summary.strip()
    item.source_kind = data.source_kind
    item.source_name = data.source_name.strip() if data.source_kind != SourceKind.MEMBER else ""
    item.licence = data.licence
    item.language = data.language
    item.url = data.url or None
    item.tags = get_or_create_tags(data.tag_names)
    wanted = set(data.care_areas)
    item.care_areas = [area for area in care_areas() if area.slug in wanted]


def create_item(
    author: User,
    kind: str,
    data: ItemData,
    *,
    main: CheckedFile | None = None,
    captions: CheckedFile | None = None,
) -> MaterialItem:
    """Save the item and its files. The files are moved into place last, after every check."""
    check_new_item(kind, data, main, captions)
    item = MaterialItem(kind=kind, author_id=author.id, created_at=utcnow(), files=[])
    _apply(item, data)
    if kind == Kind.HOWTO:
        item.body_source = data.body
        item.body_html = render_markdown(data.body)
    db.session.add(item)
    db.session.flush()
    try:
        if main is not None:
            _add_file(item, main, FileRole.MAIN, author)
        if captions is not None:
            _add_file(item, captions, FileRole.CAPTIONS, author)
            item.captions_ok = True
        db.session.flush()
    except Exception:
        forget_files(item)  # the rows go with the savepoint; the moved files must go too
        raise
    return item


def _add_file(item: MaterialItem, checked: CheckedFile, role: str, by: User) -> MaterialFile:
    makes_preview = role == FileRole.MAIN and checked.type.name in ("pdf", "video")
    row = MaterialFile(
        item_id=item.id,
        role=role,
        storage_key="",
        filename=checked.filename,
        content_type=checked.type.mimetype,
        size=checked.incoming.size,
        sha256=checked.incoming.digest.hexdigest(),
        preview_state=PreviewState.PENDING if makes_preview else PreviewState.NONE,
        uploaded_by_id=by.id,
    )
    try:
        row.storage_key = storage().keep(checked.incoming, checked.type.suffix)
    except OSError as error:
        checked.incoming.discard()
        from hub.material.files import disk_full_message

        raise MaterialError(disk_full_message(), field="file") from error
    db.session.add(row)
    item.files.append(row)
    return row


def forget_files(item: MaterialItem | None) -> None:
    """The files moved into place for rows that will not be saved."""
    if item is None:
        return
    for row in item.files:
        if row.storage_key:
            storage().delete(row.storage_key)


def edit_item(item: MaterialItem, editor: User, data: ItemData) -> None:
    """Save new details; a how-to page keeps its earlier text as a revision."""
    if item.kind == Kind.LINK and not data.url:
        raise MaterialError(_("Skriv länkens webbadress."), field="url")
    if item.kind == Kind.FILM and file_of(item, FileRole.MAIN) is None and not data.url:
        raise MaterialError(_("Skriv länken till filmen."), field="url")
    if item.kind == Kind.FILM and file_of(item, FileRole.MAIN) is not None:
        data.url = None  # a film of ours stays ours
    if item.kind in (Kind.GUIDE, Kind.DOCUMENT, Kind.HOWTO):
        data.url = None
    if item.kind == Kind.HOWTO:
        if len(data.body.strip()) < 20:
            raise MaterialError(_("Skriv sidans text, minst 20 tecken."), field="body")
        if data.body != item.body_source or data.title.strip() != item.title:
            db.session.add(
                MaterialRevision(
                    item_id=item.id,
                    editor_id=editor.id,
                    title=item.title,
                    body_source=item.body_source,
                )
            )
            item.body_source = data.body
            item.body_html = render_markdown(data.body)
    _apply(item, data)
    item.edited_at = utcnow()
    db.session.flush()


def delete_item(item: MaterialItem) -> None:
    """Hidden at once (its files are served to nobody); the files themselves leave the disk
    with ``purge_removed_files`` after ``MATERIAL_REMOVED_FILES_DAYS``. The row stays for the
    history (meetings that used it)."""
    item.deleted_at = utcnow()
    db.session.flush()


def purge_removed_files(now: datetime) -> int:
    """Delete the files of items removed more than ``MATERIAL_REMOVED_FILES_DAYS`` ago, from
    the disk and the database; returns how many. Flushes only (``flask hub prune`` runs it).

    Not in the request that removes: a removal by mistake can be undone (``deleted_at``
    cleared) during the grace period with its files, and a request that rolls back after the
    disk was touched would leave an item whose files are gone. Here the file goes first and
    its row after, so a run stopped half-way leaves a row without a file (served to nobody,
    finished by the next run), never a file nobody knows about."""
    cutoff = now - timedelta(days=current_app.config["MATERIAL_REMOVED_FILES_DAYS"])
    rows = db.session.scalars(
        select(MaterialFile)
        .join(MaterialItem, MaterialItem.id == MaterialFile.item_id)
        .where(MaterialItem.deleted_at.is_not(None), MaterialItem.deleted_at <= cutoff)
    ).all()
    for row in rows:
        storage().delete(row.storage_key)
        db.session.delete(row)
    db.session.flush()
    return len(rows)


def revisions(item: MaterialItem) -> list[MaterialRevision]:
    return list(
        db.session.scalars(
            select(MaterialRevision)
            .where(MaterialRevision.item_id == item.id)
            .options(joinedload(MaterialRevision.editor))
            .order_by(MaterialRevision.created_at.desc(), MaterialRevision.id.desc())
        )
    )


def set_captions(item: MaterialItem, captions: CheckedFile, by: User) -> None:
    """New captions replace the old ones; the film is then shown to everyone."""
    if item.kind != Kind.FILM or file_of(item, FileRole.MAIN) is None:
        captions.incoming.discard()
        raise MaterialError(_("Textning hör bara till filmer som finns här."))  # flashed
    old = file_of(item, FileRole.CAPTIONS)
    _add_file(item, captions, FileRole.CAPTIONS, by)
    if old is not None:
        item.files.remove(old)
        db.session.delete(old)
        db.session.flush()
        storage().delete(old.storage_key)
    item.captions_ok = True
    db.session.flush()


def get_file_for(
    user: User, item_id: int, file_id: int
) -> tuple[MaterialItem, MaterialFile] | None:
    item = get_item_for(user, item_id)
    if item is None:
        return None
    row = next((f for f in item.files if f.id == file_id), None)
    return (item, row) if row is not None else None


def preview_of(item: MaterialItem) -> MaterialFile | None:
    return file_of(item, FileRole.PREVIEW)
