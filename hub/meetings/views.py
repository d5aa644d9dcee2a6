"""Routes of the meetings part: networks, the baton, meetings, calendars."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from hub.auth import permissions
from hub.auth.models import User
from hub.core.db import utcnow
from hub.core.edge import form_status, run_form, run_rule
from hub.core.pagination import page_number
from hub.core.settings import register_settings_section
from hub.directory.official_names import official_name
from hub.extensions import db
from hub.mail.suppression import bouncing_members
from hub.material.community import material_on_agenda
from hub.meetings import (
    calendar,
    feeds,
    listing,
    participation,
    parts,
    polls,
    rotation,
    scheduling,
    timeline,
)
from hub.meetings.forms import (
    CancelForm,
    MeetingForm,
    MinutesForm,
    PassBatonForm,
    RsvpForm,
    TopicForm,
)
from hub.meetings.localtime import utc_to_stockholm
from hub.meetings.models import (
    Meeting,
    MeetingStatus,
    Network,
    NetworkMunicipality,
    network_coordinator,
)

bp = Blueprint("meetings", __name__)

register_settings_section(
    "meetings.calendar_settings",
    _l("Kalender"),
    _l("En egen kalenderlänk med nätverkens träffar, för Outlook, Google eller telefonen."),
    order=60,
)

# A map service that needs no account and no script on our pages; a link, never an embed.
MAP_SEARCH_URL = "https://www.openstreetmap.org/search?query="


@bp.app_template_filter("map_url")
def map_url(place: str) -> str:
    """Where a tap on the meeting's address opens a map of it."""
    return MAP_SEARCH_URL + quote(place.strip())


def closed_response(message: str, status: int = 409):
    return render_template(
        "errors/error.html", code=status, title=_("Det gick inte"), text=message
    ), status


# Networks and the baton


@bp.get("/natverk")
@login_required
def networks():
    rows = db.session.scalars(
        select(Network).options(joinedload(Network.baton_holder)).order_by(Network.name)
    ).all()
    member_counts = dict(
        db.session.execute(
            select(NetworkMunicipality.network_id, func.count())
            .where(NetworkMunicipality.active)
            .group_by(NetworkMunicipality.network_id)
        ).all()
    )
    mine = set(scheduling.user_network_ids(current_user))
    return render_template(
        "meetings/networks.html", networks=rows, member_counts=member_counts, mine=mine
    )


def network_page_data(network: Network) -> dict:
    members = db.session.scalars(
        select(NetworkMunicipality)
        .where(NetworkMunicipality.network_id == network.id)
        .options(joinedload(NetworkMunicipality.municipality))
        .order_by(NetworkMunicipality.position, NetworkMunicipality.id)
    ).all()
    coordinators = db.session.scalars(
        select(User)
        .join(network_coordinator, network_coordinator.c.user_id == User.id)
        .where(network_coordinator.c.network_id == network.id)
        .order_by(User.name)
    ).all()
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.network_id == network.id)
        .options(joinedload(Meeting.host))
        .order_by(Meeting.starts_at.desc())
        .limit(6)
    ).all()
    now = utcnow()
    upcoming = [m for m in meetings if m.status == MeetingStatus.SCHEDULED and m.ends_at > now]
    is_coordinator = current_user.is_admin or any(c.id == current_user.id for c in coordinators)
    may_schedule = current_user.active and (
        is_coordinator or permissions.speaks_for(current_user, network.baton_holder_code)
    )
    return {
        "network": network,
        "members": members,
        "coordinators": coordinators,
        "next_meeting": upcoming[-1] if upcoming else None,
        "open_meeting": next((m for m in meetings if m.open_slot is not None), None),
        "open_poll": polls.open_poll_for(network.id),
        "recent": [m for m in meetings if m not in upcoming][:5],
        "is_coordinator": is_coordinator,
        "may_schedule": may_schedule,
        # Members whose mail bounces (hub.mail.suppression): for the coordinators to follow up.
        "bouncing": bouncing_members([m.municipality_code for m in members if m.active])
        if is_coordinator
        else [],
    }


def pass_form_for(data: dict, formdata=None) -> PassBatonForm:
    form = PassBatonForm(formdata=formdata)
    network = data["network"]
    active = [m for m in data["members"] if m.active]
    choices = [SelectChoice("", _("Nästa i turordningen"))]
    if data["is_coordinator"]:
        choices += [
            SelectChoice(m.municipality_code, official(m.municipality))
            for m in active
            if m.municipality_code != network.baton_holder_code
        ]
    form.to_code.choices = choices
    return form


@bp.get("/natverk/<slug>")
@login_required
def network(slug: str):
    data = network_page_data(scheduling.get_network_or_404(slug))
    return render_template("meetings/network.html", pass_form=pass_form_for(data), **data)


def pass_target(network: Network, data: dict, chosen: str | None) -> str | None:
    """Where the baton would go: a coordinator's chosen member municipality, else the next in
    turn (read from the relay's own rule, never worked out here)."""
    if chosen and data["is_coordinator"]:
        active = {m.municipality_code for m in data["members"] if m.active}
        return chosen if chosen in active else None  # the holder itself: the rule says so
    return rotation.next_holder_code(network)


def confirm_page(
    network: Network, data: dict, form: PassBatonForm, target: str | None, notice: str = ""
):
    names = {m.municipality_code: m.municipality for m in data["members"]}
    if target:
        form.expected.data = target
        if data["is_coordinator"]:
            form.to_code.data = target
    return render_template(
        "meetings/pass_confirm.html", form=form, target=names.get(target), notice=notice, **data
    )


def _baton_page(slug: str):
    """The network and its page data, for those who may book its meetings and hand its baton on."""
    network = scheduling.get_network_or_404(slug)
    data = network_page_data(network)
    if not data["may_schedule"]:
        abort(403)
    return network, data


@bp.get("/natverk/<slug>/stafett/lamna-over")
@login_required
def confirm_pass(slug: str):
    """The hand-over names who receives it: "Lämna stafettpinnen till Halmstads kommun?"."""
    network, data = _baton_page(slug)
    chosen = pass_target(network, data, request.args.get("till"))
    target = chosen or rotation.next_holder_code(network)
    return confirm_page(network, data, pass_form_for(data), target)


@bp.post("/natverk/<slug>/stafett/lamna-over")
@login_required
def pass_baton(slug: str):
    network, data = _baton_page(slug)
    form = pass_form_for(data, request.form)
    chosen = (form.to_code.data or None) if data["is_coordinator"] else None
    target = pass_target(network, data, chosen)
    refused = pass_refused(network, data, form, chosen, target)
    if refused is not None:
        return refused
    is_holder = permissions.speaks_for(current_user, network.baton_holder_code)
    kind = (
        rotation.REASON_PASSED_ON if is_holder and chosen is None else rotation.REASON_COORDINATOR
    )
    done = run_form(
        form,
        lambda: rotation.pass_baton(
            network, reason_kind=kind, reason=form.reason.data, by=current_user, to_code=chosen
        ),
        field="to_code",
    )
    if not done:
        return confirm_page(network, data, form, target), form_status(form)
    names = {m.municipality_code: m.municipality for m in data["members"]}
    receiver = official(names[target])
    flash(_("Stafettpinnen är hos %(name)s nu. De får ett mejl om det.", name=receiver), "info")
    return redirect(url_for("meetings.network", slug=slug))


def pass_refused(network: Network, data: dict, form: PassBatonForm, chosen, target):
    """The confirmation again, with the reason, when the hand-over cannot go ahead as named."""
    if not form.validate_on_submit():
        return confirm_page(network, data, form, target), 400
    if chosen is not None and target is None:
        form.to_code.errors.append(_("Välj en kommun i nätverket."))
        return confirm_page(network, data, form, rotation.next_holder_code(network)), 400
    if target and form.expected.data and form.expected.data != target:
        notice = _("Turordningen har ändrats medan du läste. Se efter vem som får den nu.")
        return confirm_page(network, data, form, target, notice), 409
    return None


def official(municipality) -> str:
    return official_name(municipality.scb_code, municipality.name)


@bp.get("/natverk/<slug>/stafett")
@login_required
def baton(slug: str):
    network = scheduling.get_network_or_404(slug)
    return render_template(
        "meetings/baton.html",
        network=network,
        stretches=timeline.timeline(network.id),
    )


@bp.get("/natverk/<slug>/traffar.ics")
@login_required
def network_feed(slug: str):
    network = scheduling.get_network_or_404(slug)
    body = calendar.feed_ics(
        network.name,
        feeds.feed_meetings([network.id]),
        online_links=permissions.takes_part_in(current_user, network.id),
    )
    return ics_response(body, f"{network.slug}.ics")


# Meetings


@bp.get("/traffar")
@login_required
def index():
    page = page_number()
    user = current_user._get_current_object()  # one look-up through the proxy, not several
    lists = listing.meeting_lists(scheduling.user_network_ids(user), user.id, page)
    return render_template(
        "meetings/index.html",
        upcoming=parts.meeting_items(lists.upcoming, show_network=True, answers=lists.answers),
        past=parts.meeting_items(lists.past, show_network=True),
        pager=Pager(page, lists.past_total, listing.PAST_PER_PAGE),
    )


class Pager:
    def __init__(self, page: int, total: int, per_page: int) -> None:
        self.page = page
        self.pages = max(1, -(-total // per_page))
        self.has_prev = page > 1
        self.has_next = page < self.pages
        self.prev_num = page - 1
        self.next_num = page + 1


def meeting_data_from(form: MeetingForm) -> scheduling.MeetingData:
    return scheduling.MeetingData(
        title=form.title.data,
        starts_at=form.starts_at,
        ends_at=form.ends_at,
        place=form.place.data or "",
        online_url=form.online_url.data or "",
        agenda=form.agenda.data or "",
        capacity=form.capacity.data,
    )


@bp.route("/traffar/ny", methods=["GET", "POST"])
@login_required
def new_meeting():
    slug = request.args.get("natverk", "")
    if not slug:
        flash(_("Välj nätverket som träffen gäller."), "info")
        return redirect(url_for("meetings.networks"))
    network = scheduling.get_network_or_404(slug)
    if not rotation.can_schedule(current_user, network):
        abort(403)
    form = MeetingForm()
    if not form.validate_on_submit():
        html = render_template("meetings/meeting_form.html", form=form, network=network)
        return html, form_status(form)
    try:
        meeting = scheduling.create_meeting(network, meeting_data_from(form), by=current_user)
    except scheduling.MeetingConflict:
        conflict = _(
            "Nätverket har redan en bokad träff – någon kan ha hunnit före dig. Din text finns "
            "kvar nedan. Ändra den befintliga träffen, eller ställ in den först."
        )
        return render_template(
            "meetings/meeting_form.html", form=form, network=network, conflict=conflict
        ), 409
    except scheduling.MeetingStateError:
        return closed_response(_("Nätverket har inga aktiva kommuner som kan stå värd."))
    flash(_("Träffen är bokad och inbjudningar skickas till nätverket."), "info")
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id))


@bp.get("/traffar/<int:meeting_id>")
@login_required
def meeting(meeting_id: int):
    return render_meeting_with(scheduling.get_meeting_or_404(meeting_id))


@bp.route("/traffar/<int:meeting_id>/andra", methods=["GET", "POST"])
@login_required
def edit_meeting(meeting_id: int):
    meeting = scheduling.get_meeting_for_manager(current_user, meeting_id)
    if meeting.status != MeetingStatus.SCHEDULED:
        return closed_response(_("Träffen är inställd eller redan genomförd och kan inte ändras."))
    form = MeetingForm(require_future=False)
    if request.method == "GET":
        fill_form(form, meeting)
    elif form.validate_on_submit():
        if form.starts_at != meeting.starts_at and form.starts_at <= utcnow():
            form.day.errors.append(_("Välj en tid som inte har passerat."))
        else:
            changed = scheduling.update_meeting(meeting, meeting_data_from(form), by=current_user)
            if changed:
                flash(_("Träffen är ändrad och de inbjudna får en uppdatering."), "info")
            return redirect(url_for("meetings.meeting", meeting_id=meeting.id))
    return render_template(
        "meetings/meeting_form.html", form=form, network=meeting.network, meeting=meeting
    ), form_status(form)


def fill_form(form: MeetingForm, meeting: Meeting) -> None:
    start, end = utc_to_stockholm(meeting.starts_at), utc_to_stockholm(meeting.ends_at)
    form.title.data = meeting.title
    form.day.data = start.date()
    form.start_time.data = start.time().replace(tzinfo=None)
    form.end_time.data = end.time().replace(tzinfo=None)
    form.place.data = meeting.place
    form.online_url.data = meeting.online_url
    form.capacity.data = meeting.capacity
    form.agenda.data = meeting.agenda_source


@bp.route("/traffar/<int:meeting_id>/stall-in", methods=["GET", "POST"])
@login_required
def cancel_meeting(meeting_id: int):
    meeting = scheduling.get_meeting_for_manager(current_user, meeting_id)
    if meeting.status != MeetingStatus.SCHEDULED:
        return closed_response(_("Träffen är redan inställd eller genomförd."))
    form = CancelForm()
    cancel = lambda: scheduling.cancel_meeting(  # noqa: E731
        meeting, by=current_user, message=form.message.data or ""
    )
    if run_form(form, cancel):
        flash(_("Träffen är inställd. De inbjudna får besked."), "info")
        return redirect(url_for("meetings.meeting", meeting_id=meeting.id))
    return render_template("meetings/cancel.html", form=form, meeting=meeting), form_status(form)


@bp.post("/traffar/<int:meeting_id>/genomford")
@login_required
def mark_held(meeting_id: int):
    meeting = scheduling.get_meeting_for_manager(current_user, meeting_id)
    try:
        run_rule(lambda: scheduling.mark_held(meeting, by=current_user))
    except scheduling.MeetingStateError:
        return closed_response(_("Bara en bokad träff som har börjat kan markeras som genomförd."))
    flash(_("Träffen är markerad som genomförd och stafettpinnen har gått vidare."), "info")
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id))


@bp.route("/traffar/<int:meeting_id>/minnesanteckningar", methods=["GET", "POST"])
@login_required
def minutes(meeting_id: int):
    meeting = scheduling.get_meeting_for_manager(current_user, meeting_id)
    if meeting.status == MeetingStatus.CANCELLED or meeting.starts_at > utcnow():
        return closed_response(_("Minnesanteckningar kan skrivas när träffen har börjat."))
    form = MinutesForm()
    if request.method == "GET":
        form.minutes.data = meeting.minutes_source
    elif run_form(form, lambda: scheduling.save_minutes(meeting, form.minutes.data)):
        flash(_("Minnesanteckningarna är sparade."), "info")
        return redirect(url_for("meetings.meeting", meeting_id=meeting.id))
    return render_template("meetings/minutes.html", form=form, meeting=meeting), form_status(form)


@bp.post("/traffar/<int:meeting_id>/svar")
@login_required
def rsvp(meeting_id: int):
    meeting = scheduling.get_meeting_for_participant(current_user, meeting_id)
    if meeting.status == MeetingStatus.CANCELLED:
        return closed_response(_("Träffen är inställd, så det går inte att anmäla sig."))
    form = RsvpForm()
    if not form.validate_on_submit():
        flash(_("Välj om du kommer på plats, digitalt eller inte alls."), "error")
        return redirect(url_for("meetings.meeting", meeting_id=meeting.id)), 303
    try:
        answer = participation.do_rsvp(meeting, current_user, form.response.data)
    except participation.MeetingClosed:
        return closed_response(_("Träffen är över, så det går inte att svara längre."))
    if answer.waitlisted:
        flash(
            _("Platserna är fulla. Du står på väntelistan och får besked om en plats blir ledig."),
            "info",
        )
    else:
        flash(_("Tack, ditt svar är sparat."), "info")
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id, _anchor="kommer-du"))


@bp.post("/traffar/<int:meeting_id>/amnen")
@login_required
def suggest_topic(meeting_id: int):
    meeting = scheduling.get_meeting_for_participant(current_user, meeting_id)
    form = TopicForm()
    if not form.validate_on_submit():
        return render_meeting_with(meeting, topic_form=form), 400
    try:
        participation.add_topic(meeting, current_user, form.text.data)
    except participation.MeetingClosed:
        return closed_response(_("Det går bara att föreslå ämnen före en bokad träff."))
    flash(_("Tack för förslaget."), "info")
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id, _anchor="amnen"))


def render_meeting_with(meeting: Meeting, **forms) -> str:
    manager = scheduling.can_manage(current_user, meeting)
    return render_template(
        "meetings/meeting.html",
        meeting=meeting,
        manager=manager,
        takes_part=permissions.takes_part_in(current_user, meeting.network_id),
        now=utcnow(),
        counts=participation.rsvp_counts(meeting.id),
        mine=participation.my_rsvp(meeting.id, current_user),
        topics=participation.topic_rows(meeting.id, current_user),
        agenda_material=material_on_agenda(meeting.id, current_user),
        attendees=participation.attendee_list(meeting.id) if manager else [],
        rsvp_choices=RsvpForm().response.choices,
        topic_form=forms.get("topic_form") or TopicForm(),
    )


def topic_or_404(meeting: Meeting, suggestion_id: int):
    suggestion = participation.get_topic(meeting, suggestion_id)
    if suggestion is None:
        abort(404)
    return suggestion


@bp.post("/traffar/<int:meeting_id>/amnen/<int:suggestion_id>/rost")
@login_required
def vote_topic(meeting_id: int, suggestion_id: int):
    meeting = scheduling.get_meeting_for_participant(current_user, meeting_id)
    suggestion = topic_or_404(meeting, suggestion_id)
    try:
        participation.vote_topic(meeting, suggestion, current_user)
    except participation.MeetingClosed:
        return closed_response(_("Det går bara att rösta före en bokad träff."))
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id, _anchor="amnen"))


@bp.post("/traffar/<int:meeting_id>/amnen/<int:suggestion_id>/dagordning")
@login_required
def take_topic(meeting_id: int, suggestion_id: int):
    meeting = scheduling.get_meeting_for_manager(current_user, meeting_id)
    suggestion = topic_or_404(meeting, suggestion_id)
    try:
        scheduling.take_into_agenda(meeting, suggestion, by=current_user)
    except (participation.MeetingClosed, scheduling.MeetingStateError):
        return closed_response(_("Dagordningen kan bara ändras före en bokad träff."))
    flash(_("Ämnet finns nu på dagordningen."), "info")
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id, _anchor="amnen"))


@bp.get("/traffar/<int:meeting_id>/deltagare.csv")
@login_required
def attendees_csv(meeting_id: int):
    meeting = scheduling.get_meeting_for_manager(current_user, meeting_id)
    body = participation.attendees_csv(meeting.id, current_user)
    filename = f"deltagare-traff-{meeting.id}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


# Calendars


def ics_response(body: bytes, filename: str) -> Response:
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, max-age=300",
        },
    )


@bp.get("/traffar/<int:meeting_id>.ics")
@login_required
def meeting_ics(meeting_id: int):
    meeting = scheduling.get_meeting_or_404(meeting_id)
    body = calendar.meeting_ics(
        meeting, online_link=permissions.takes_part_in(current_user, meeting.network_id)
    )
    return ics_response(body, f"traff-{meeting.id}.ics")


@bp.get("/kalender/<token>.ics")
def personal_feed(token: str):
    user = feeds.user_for_token(token)
    if user is None:
        abort(404)
    body = calendar.feed_ics(
        _("Stafetten – mina nätverk"), feeds.feed_meetings(scheduling.user_network_ids(user))
    )
    response = ics_response(body, "stafetten.ics")
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/installningar/kalender", methods=["GET", "POST"])
@login_required
def calendar_settings():
    form = FlaskForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        feeds.renew_token(current_user)
        flash(_("Du har en ny kalenderlänk. Den gamla fungerar inte längre."), "info")
        return redirect(url_for("meetings.calendar_settings"))
    token = feeds.token_for(current_user)
    feed_url = (
        url_for("meetings.personal_feed", token=token.token, _external=True) if token else None
    )
    networks = db.session.scalars(
        select(Network)
        .where(Network.id.in_(scheduling.user_network_ids(current_user)))
        .order_by(Network.name)
    ).all()
    return render_template(
        "meetings/calendar_settings.html", form=form, feed_url=feed_url, networks=networks
    )


# The date poll's routes live beside these, on the same blueprint.
