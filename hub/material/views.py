"""Routes of the material library: parse, load through a checked getter, call a rule, render."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from babel import Locale
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from hub.auth.permissions import Permission, require
from hub.core.edge import form_status, run_form, run_rule
from hub.core.i18n import current_locale, translated
from hub.core.models import Tag
from hub.core.pagination import page_number
from hub.core.rules import RuleError
from hub.core.settings import register_settings_section
from hub.extensions import csrf, db
from hub.material import community, feeds, items
from hub.material.files import FileError, check_upload, discard_unkept, parse_upload_request
from hub.material.forms import (
    LANGUAGES,
    LICENCES,
    CaptionsForm,
    EditItemForm,
    MeetingChoiceForm,
    NewItemForm,
    kind_choices,
    source_choices,
)
from hub.material.items import ItemData, MaterialError, MaterialFilters
from hub.material.models import FileRole, Kind, MaterialItem, SourceKind
from hub.material.storage import storage

bp = Blueprint("material", __name__)

register_settings_section(
    "material.feed_settings",
    _l("Materialflöde"),
    _l("En egen länk till nytt material, för en flödesläsare."),
    order=65,
)


@bp.app_template_filter("url_host")
def url_host(url: str) -> str:
    return urlsplit(url).hostname or url


# Routes that take files: their request body is streamed to disk by ``files.py`` before anything
# else reads the form, with the material size limits instead of HUB_MAX_CONTENT_LENGTH.
UPLOAD_ENDPOINTS = {"material.new_item", "material.upload_captions"}


@bp.before_app_request
def stream_uploads() -> None:
    if request.endpoint not in UPLOAD_ENDPOINTS or request.method != "POST":
        return
    if not current_user.is_authenticated:
        return  # the view sends them to sign in; nothing is kept
    parse_upload_request(request)
    csrf.protect()  # the view is exempt from the early check, which would read the form first


@bp.teardown_app_request
def remove_unkept_uploads(_error: BaseException | None) -> None:
    discard_unkept(request)


# Made once: the labels are lazy, so each page still shows them in its reader's language (a
# context processor runs for every template of every request).
MATERIAL_NAMES = {
    "material_kinds": {c.value: c.label for c in kind_choices()},
    "material_sources": {c.value: c.label for c in source_choices()},
    "material_licences": LICENCES,
    "material_languages": LANGUAGES,
}


_names_in: dict[Locale | None, dict] = {}


@bp.app_context_processor
def material_names() -> dict:
    """The names in the reader's language, translated once per language: a lazy label is
    translated anew each time a page shows it (Flask-Babel's whole lookup, ~8 µs a label)."""
    locale = current_locale()
    names = _names_in.get(locale)
    if names is None:
        names = _names_in[locale] = {
            group: {key: _as_shown(label) for key, label in labels.items()}
            for group, labels in MATERIAL_NAMES.items()
        }
    return names


def _as_shown(label):
    # A lazy label goes into the page unescaped (its __html__), a plain one escaped: kept so.
    return Markup(label.__html__()) if hasattr(label, "__html__") else label  # noqa: S704


def _load(item_id: int, *, full: bool = False) -> MaterialItem:
    item = items.get_item_for(current_user, item_id, full=full)
    if item is None:
        abort(404)
    return item


def _load_for_editing(item_id: int) -> MaterialItem:
    item = _load(item_id, full=True)
    if not items.can_edit(current_user, item):
        abort(403)
    return item


# --- the list and its feed ----------------------------------------------------------------


def _filters() -> MaterialFilters:
    kind = request.args.get("typ", "")
    source = request.args.get("kalla", "")
    sort = request.args.get("sort", "newest")
    area = request.args.get("verksamhet", "")
    filters = MaterialFilters(
        kind=kind if kind in set(Kind) else "",
        source=source if source in set(SourceKind) else "",
        sort=sort if sort in items.SORTS else "newest",
        care_area=area if area in {a.slug for a in items.care_areas()} else "",
        page=page_number(),
    )
    tag_slug = request.args.get("tagg", "")
    if tag_slug:
        filters.tag = db.session.scalar(select(Tag).where(Tag.slug == tag_slug))
        if filters.tag is None:
            abort(404)
    return filters


@bp.get("/material")
@login_required
def index():
    filters = _filters()
    page = items.list_items(filters, current_user)
    return render_template(
        "material/index.html",
        page=page,
        filters=filters,
        args=filters.args(),
        care_areas=items.care_areas(),
    )


@bp.get("/material/flode.atom")
@login_required
def feed():
    return _feed_response(current_user, "material.feed")


@bp.get("/material/flode/<token>.atom")
def private_feed(token: str):
    """The member's private feed URL: for feed readers, which cannot sign in."""
    user = feeds.user_for_feed_token(token)
    if user is None:
        abort(404)
    response = _feed_response(user, "material.private_feed", token=token)
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _feed_response(user, endpoint: str, **values: str) -> Response:
    """The newest items the user may see under the list's filters. The self link is built
    from the checked filters, never from the request's own arguments."""
    filters = _filters()
    filters.sort, filters.page = "newest", 1
    page = items.list_items(filters, user)
    updated = max((i.edited_at or i.created_at for i in page.items), default=None)
    body = render_template(
        "material/feed.atom",
        page=page,
        args=filters.args(),
        self_url=url_for(endpoint, _external=True, **values, **filters.args()),
        updated=updated or datetime(2026, 1, 1, tzinfo=UTC),
    )
    return Response(body, mimetype="application/atom+xml")


@bp.route("/installningar/materialflode", methods=["GET", "POST"])
@login_required
def feed_settings():
    """GET shows whether the member has a feed URL; POST makes a new one (shown once) or, with
    ``av``, turns the feed off. Either way an old URL stops working at once."""
    form = FlaskForm()
    new_url = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if request.form.get("action") == "av":
            feeds.turn_off_feed(current_user)
            flash(
                _("Ditt materialflöde är avstängt. Den gamla länken fungerar inte längre."), "info"
            )
            return redirect(url_for("material.feed_settings"), code=303)
        token = feeds.renew_feed_token(current_user)
        new_url = url_for("material.private_feed", token=token, _external=True)
    return render_template(
        "material/feed_settings.html",
        form=form,
        has_feed=feeds.has_feed(current_user),
        new_url=new_url,
    )


# --- adding -------------------------------------------------------------------------------


def _data(form) -> ItemData:
    return ItemData(
        title=form.title.data or "",
        summary=form.summary.data or "",
        care_areas=form.care_areas.data or [],
        tag_names=items.check_tags(form.tags.data or ""),
        source_kind=form.source_kind.data,
        source_name=form.source_name.data or "",
        licence=form.licence.data,
        language=form.language.data,
        url=form.url.data or None,
        body=form.body.data or "",
    )


def _with_choices(form):
    form.care_areas.choices = [SelectChoice(a.slug, translated(a.name)) for a in items.care_areas()]
    return form


@bp.route("/material/ny", methods=["GET", "POST"])
@require(Permission.POST)
@csrf.exempt
def new_item():
    form = _with_choices(NewItemForm())
    if request.method == "GET" and request.args.get("typ") in set(Kind):
        form.kind.data = request.args["typ"]
    done = run_form(form, lambda: _create(form))
    if not done:
        return render_template("material/new.html", form=form), form_status(form)
    flash(_message_after_adding(done.value), "success")
    return redirect(url_for("material.item", item_id=done.value.id), code=303)


def _create(form: NewItemForm) -> MaterialItem:
    data = _data(form)
    kind = form.kind.data
    main = _checked(
        form.file, items.allowed_main_types(kind) or {"pdf", "office", "image", "video"}
    )
    captions = _checked(form.captions, {"captions"})
    return items.create_item(current_user, kind, data, main=main, captions=captions)


def _checked(field, allowed: set[str]):
    """The uploaded file, checked; a refusal carries the field it belongs to."""
    try:
        return check_upload(request.files.get(field.name), allowed=allowed)
    except FileError as error:
        error.field = field.name
        raise


def _message_after_adding(item: MaterialItem) -> str:
    if not items.is_shown_to_everyone(item):
        return _(
            "Filmen är sparad. Den visas för alla när den har textning: ladda upp en WebVTT-fil."
        )
    return _("Materialet är publicerat. Tack för att du delar!")


# --- one item -----------------------------------------------------------------------------


@bp.get("/material/<int:item_id>")
@login_required
def item(item_id: int):
    return render_item(_load(item_id, full=True))


def render_item(item: MaterialItem, *, status: int = 200, captions_form=None, meeting_form=None):
    planner_meetings = community.meetings_user_can_plan(current_user)
    used_in = community.meetings_using(item)
    used_ids = {m.id for m in used_in}
    if meeting_form is None:
        meeting_form = MeetingChoiceForm(formdata=None)
    meeting_form.meeting.choices = [
        SelectChoice(m.id, f"{m.title} ({m.network.name})")
        for m in planner_meetings
        if m.id not in used_ids
    ]
    return render_template(
        "material/item.html",
        item=item,
        main=items.file_of(item, FileRole.MAIN),
        captions=items.file_of(item, FileRole.CAPTIONS),
        preview=items.preview_of(item),
        editable=items.can_edit(current_user, item),
        shown_to_everyone=items.is_shown_to_everyone(item),
        helpful=community.has_marked_helpful(item, current_user),
        used_in=used_in,
        plannable={m.id for m in planner_meetings},
        captions_form=captions_form or CaptionsForm(formdata=None),
        meeting_form=meeting_form,
    ), status


@bp.get("/material/<int:item_id>/filer/<int:file_id>/<name>")
@login_required
def file(item_id: int, file_id: int, name: str):
    found = items.get_file_for(current_user, item_id, file_id)
    if found is None:
        abort(404)
    _item, row = found
    inline = row.content_type.startswith(("video/", "image/", "text/vtt", "application/pdf"))
    response = storage().response(
        row.storage_key, mimetype=row.content_type, filename=row.filename, inline=inline
    )
    response.headers["Cache-Control"] = "private, max-age=0"
    return response


@bp.route("/material/<int:item_id>/redigera", methods=["GET", "POST"])
@require(Permission.POST)
def edit_item(item_id: int):
    item = _load_for_editing(item_id)
    form = _with_choices(EditItemForm(obj=None if request.method == "POST" else item))
    if request.method == "GET":
        form.care_areas.data = [a.slug for a in item.care_areas]
        form.tags.data = ", ".join(t.name for t in item.tags)
        form.body.data = item.body_source
    if run_form(form, lambda: items.edit_item(item, current_user, _data(form))):
        flash(_("Ändringarna är sparade."), "success")
        return redirect(url_for("material.item", item_id=item.id), code=303)
    return render_template("material/edit.html", form=form, item=item), form_status(form)


@bp.post("/material/<int:item_id>/ta-bort")
@require(Permission.POST)
def delete_item(item_id: int):
    items.delete_item(_load_for_editing(item_id))
    flash(_("Materialet är borttaget."), "info")
    return redirect(url_for("material.index"), code=303)


@bp.get("/material/<int:item_id>/versioner")
@login_required
def revisions(item_id: int):
    item = _load(item_id)
    return render_template("material/revisions.html", item=item, revisions=items.revisions(item))


@bp.post("/material/<int:item_id>/textning")
@require(Permission.POST)
@csrf.exempt
def upload_captions(item_id: int):
    item = _load_for_editing(item_id)
    form = CaptionsForm()
    if run_form(form, lambda: _set_captions(item, form)):
        flash(_("Textningen är sparad. Nu visas filmen för alla."), "success")
        return redirect(url_for("material.item", item_id=item.id), code=303)
    return render_item(_load(item_id, full=True), status=form_status(form), captions_form=form)


def _set_captions(item: MaterialItem, form: CaptionsForm) -> None:
    captions = _checked(form.captions, {"captions"})
    if captions is None:
        raise MaterialError(_("Välj en WebVTT-fil (.vtt)."), field="captions")
    items.set_captions(item, captions, current_user)


# --- in the network's life ----------------------------------------------------------------


@bp.post("/material/<int:item_id>/hjalpsamt")
@require(Permission.POST)
def helpful(item_id: int):
    marked = community.toggle_helpful(_load(item_id), current_user)
    flash(
        _("Tack! Du har markerat materialet som hjälpsamt.")
        if marked
        else _("Markeringen är borttagen."),
        "info",
    )
    return redirect(url_for("material.item", item_id=item_id), code=303)


@bp.post("/material/<int:item_id>/diskussion")
@require(Permission.POST)
def discussion(item_id: int):
    item = _load(item_id, full=True)
    item_url = url_for("material.item", item_id=item.id)
    try:
        question_id = run_rule(
            lambda: community.start_discussion(item, current_user, item_url=item_url)
        )
    except community.DiscussionTaken:
        question_id = _load(item_id).question_id  # someone else's, a moment ago
    except RuleError as error:  # no forum category, or the forum's posting limit
        flash(error.message, "error")
        return redirect(item_url, code=303)
    return redirect(url_for("forum.question", question_id=question_id), code=303)


@bp.post("/material/<int:item_id>/traffar")
@require(Permission.POST)
def add_to_meeting(item_id: int):
    item = _load(item_id, full=True)
    form = MeetingChoiceForm()
    planner_meetings = community.meetings_user_can_plan(current_user)
    form.meeting.choices = [SelectChoice(m.id, m.title) for m in planner_meetings]
    if not form.validate_on_submit():
        return render_item(item, status=400, meeting_form=form)
    meeting = next(m for m in planner_meetings if m.id == form.meeting.data)
    community.add_to_agenda(item, meeting)
    flash(_("Materialet står nu på dagordningen för %(title)s.", title=meeting.title), "success")
    return redirect(url_for("material.item", item_id=item.id), code=303)


@bp.post("/material/<int:item_id>/traffar/<int:meeting_id>/ta-bort")
@require(Permission.POST)
def remove_from_meeting(item_id: int, meeting_id: int):
    from hub.meetings.scheduling import get_meeting_for_manager

    item = _load(item_id)
    community.remove_from_agenda(item, get_meeting_for_manager(current_user, meeting_id))
    flash(_("Materialet är borttaget från dagordningen."), "info")
    return redirect(url_for("material.item", item_id=item.id), code=303)
