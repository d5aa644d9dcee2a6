"""Routes of the mail part: one-click unsubscribe, email settings, the admin's outbox."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from hub.auth.models import User
from hub.auth.permissions import Permission, require
from hub.core.edge import form_status, run_form
from hub.core.settings import register_settings_section
from hub.extensions import csrf, db
from hub.forum.activity import set_following
from hub.forum.questions import get_question_page
from hub.mail.actions import (
    FOLLOW,
    MINUTES,
    RSVP,
    ActionLink,
    ActionLinkInvalid,
    read_action_token,
)
from hub.mail.forms import MailPreferencesForm
from hub.mail.models import OutboxMessage, OutboxStatus
from hub.mail.preferences import (
    UNSUBSCRIBE_TOPICS,
    do_unsubscribe,
    get_preferences,
    set_preferences,
)
from hub.mail.sender import retry_message
from hub.mail.tokens import InvalidToken, read_unsubscribe_token
from hub.meetings.forms import MinutesForm
from hub.meetings.models import MeetingStatus
from hub.meetings.participation import MeetingClosed, do_rsvp
from hub.meetings.scheduling import MeetingStateError, can_manage, get_meeting_or_404
from hub.meetings.scheduling import save_minutes as do_save_minutes

bp = Blueprint("mail", __name__)

register_settings_section(
    "mail.preferences",
    _l("E-post"),
    _l("Vilka mejl du får, och hur ofta sammanfattningen kommer."),
    order=30,
)


def load_unsubscribe(token: str):
    """The token's member and topic, or a clear error page (400 broken or old, 404 unknown)."""
    try:
        request_ = read_unsubscribe_token(token)
    except InvalidToken as error:
        return None, None, _unsubscribe_error(error.expired)
    user = db.session.get(User, request_.user_id)
    if user is None or request_.topic not in UNSUBSCRIBE_TOPICS:
        return None, None, (_render_invalid(404, expired=False))
    return user, request_.topic, None


def _unsubscribe_error(expired: bool):
    return _render_invalid(400, expired)


def _render_invalid(code: int, expired: bool):
    return render_template("mail/unsubscribe_invalid.html", expired=expired), code


@bp.get("/avregistrera/<token>")
def unsubscribe(token: str):
    user, topic, error = load_unsubscribe(token)
    if error:
        return error
    return render_template(
        "mail/unsubscribe.html", user=user, topic=topic, label=UNSUBSCRIBE_TOPICS[topic]
    )


# Mail clients send the RFC 8058 one-click POST without any CSRF token; the signed token in the
# URL is what proves the request came from our mail.
@csrf.exempt
@bp.post("/avregistrera/<token>")
def unsubscribe_post(token: str):
    user, topic, error = load_unsubscribe(token)
    if error:
        return error
    do_unsubscribe(user.id, topic)
    return render_template(
        "mail/unsubscribe_done.html", topic=topic, label=UNSUBSCRIBE_TOPICS[topic]
    )


@bp.route("/installningar/e-post", methods=["GET", "POST"])
@login_required
def preferences():
    form = MailPreferencesForm(data=get_preferences(current_user.id))
    if run_form(form, lambda: set_preferences(current_user.id, **form.values())):
        flash(_("Dina e-postinställningar är sparade."), "info")
        return redirect(url_for("mail.preferences"))
    return render_template("mail/preferences.html", form=form), form_status(form)


@bp.get("/admin/utkorg")
@require(Permission.ADMIN)
def outbox():
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    failed = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.id.desc())
        .limit(100)
    ).all()
    statuses = [
        (OutboxStatus.PENDING, _("Väntar")),
        (OutboxStatus.SENT, _("Skickade")),
        (OutboxStatus.FAILED, _("Misslyckade")),
        (OutboxStatus.SUPPRESSED, _("Avstängda av mottagaren")),
        (OutboxStatus.BOUNCED, _("Studsade")),
    ]
    return render_template("mail/outbox.html", counts=counts, statuses=statuses, failed=failed)


@bp.post("/admin/utkorg/<int:message_id>/forsok-igen")
@require(Permission.ADMIN)
def retry(message_id: int):
    if db.session.get(OutboxMessage, message_id) is None:
        abort(404)
    if not retry_message(message_id):
        abort(409)
    flash(_("Meddelandet skickas igen vid nästa utskick."), "info")
    return redirect(url_for("mail.outbox"))


# --- acting from a mail without signing in ---------------------------------------------------

RSVP_LABELS = {
    "on_site": _l("Jag kommer på plats"),
    "online": _l("Jag deltar digitalt"),
    "not_coming": _l("Jag kan inte komma"),
}


def load_action(token: str) -> tuple[ActionLink | None, User | None, tuple | None]:
    """The link and its member, or a clear page (400 broken or old, 404 no such member)."""
    try:
        link = read_action_token(token)
    except ActionLinkInvalid as error:
        return None, None, (render_template("mail/action_invalid.html", expired=error.expired), 400)
    user = db.session.get(User, link.user_id)
    if user is None or not user.active:
        return None, None, (render_template("mail/action_invalid.html", expired=False), 404)
    return link, user, None


@bp.get("/handling/<token>")
def action(token: str):
    # Shows what will happen and changes nothing: mail scanners open every link.
    link, user, error = load_action(token)
    if error:
        return error
    return ACTION_PAGES[link.action](link, user, act=False)


# The signed token in the URL proves the request came from our mail (as for unsubscribing).
@csrf.exempt
@bp.post("/handling/<token>")
def action_post(token: str):
    link, user, error = load_action(token)
    if error:
        return error
    return ACTION_PAGES[link.action](link, user, act=True)


def rsvp_page(link: ActionLink, user: User, *, act: bool):
    meeting = get_meeting_or_404(link.target_id)
    closed = render_template("mail/action_closed.html", meeting=meeting), 409
    label = RSVP_LABELS[link.value]
    if meeting.status != MeetingStatus.SCHEDULED:
        return closed
    if not act:
        return render_template("mail/action.html", user=user, meeting=meeting, label=label)
    try:
        answer = do_rsvp(meeting, user, link.value)
    except MeetingClosed:
        return closed
    return render_template(
        "mail/action_done.html", meeting=meeting, label=label, waitlisted=answer.waitlisted
    )


def follow_page(link: ActionLink, user: User, *, act: bool):
    question, following = get_question_page(user, link.target_id, full=False)
    if question is None or question.merged_into_id is not None:
        return render_template("mail/action_gone.html"), 404
    follow = link.value == "follow"
    if not act:
        return render_template(
            "mail/action_follow.html", user=user, question=question, follow=follow,
            following=following,
        )  # fmt: skip
    set_following(user, "question", question.id, follow)
    return render_template("mail/action_follow_done.html", question=question, follow=follow)


def minutes_page(link: ActionLink, user: User, *, act: bool):
    meeting = get_meeting_or_404(link.target_id)
    if not can_manage(user, meeting):
        return render_template("mail/action_invalid.html", expired=False), 403
    if meeting.status == MeetingStatus.CANCELLED:
        return render_template("mail/action_closed.html", meeting=meeting), 409
    # No CSRF field: the signed link is what proves the form came from the host's mail.
    form = MinutesForm(meta={"csrf": False})
    if not act:
        form.minutes.data = meeting.minutes_source
    elif form.validate():
        try:
            do_save_minutes(meeting, form.minutes.data)
        except MeetingStateError:
            return render_template("mail/action_closed.html", meeting=meeting), 409
        return render_template("mail/action_minutes_done.html", meeting=meeting)
    page = render_template("mail/action_minutes.html", user=user, meeting=meeting, form=form)
    return page, 400 if form.errors else 200


ACTION_PAGES = {RSVP: rsvp_page, FOLLOW: follow_page, MINUTES: minutes_page}
