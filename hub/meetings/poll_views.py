"""Routes of the date poll: propose times, answer (on the page or through a mail link), close."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from hub.auth.models import User
from hub.core.edge import RULE_STATUS, form_status, run_form
from hub.core.rules import RuleError
from hub.extensions import db
from hub.meetings import polls, rotation, scheduling
from hub.meetings.forms import ClosePollForm, PollForm
from hub.meetings.models import DatePoll, DatePollOption, Network
from hub.meetings.views import bp, closed_response

ANSWER_PREFIX = "svar-"


def get_network_for_member(slug: str) -> Network:
    """The network, if the person belongs to it (through their municipality, as a coordinator,
    or as an admin)."""
    network = scheduling.get_network_or_404(slug)
    if network.id not in scheduling.user_network_ids(current_user):
        abort(403)
    return network


def get_poll_or_404(network: Network, poll_id: int) -> DatePoll:
    poll = polls.get_poll(network, poll_id)
    if poll is None:
        abort(404)
    return poll


def time_label(option: DatePollOption) -> str:
    start = format_datetime(option.starts_at, _("EEEE d MMMM yyyy 'kl.' HH:mm"))
    return f"{start}–{format_datetime(option.ends_at, 'HH:mm')}"


def close_form_for(poll: DatePoll | None, formdata=None) -> ClosePollForm:
    form = ClosePollForm(formdata=formdata)
    options = poll.options if poll else []
    form.option.choices = [SelectChoice(o.id, time_label(o)) for o in options]
    best = polls.best_option(poll) if poll else None
    if formdata is None and best is not None:
        form.option.data = best.id
    return form


def render_poll_page(network: Network, *, poll_form=None, close_form=None, status: int = 200):
    poll = polls.open_poll_for(network.id)
    return render_template(
        "meetings/poll.html",
        network=network,
        poll=poll,
        counts=polls.counts(poll) if poll else {},
        mine=polls.my_answers(poll, current_user) if poll else {},
        may_schedule=rotation.can_schedule(current_user, network),
        open_meeting=scheduling.open_meeting(network.id),
        poll_form=poll_form
        or PollForm(formdata=None, title=_("Nästa träff i %(name)s", name=network.name)),
        close_form=close_form or close_form_for(poll),
        answer_form=FlaskForm(),
        time_label=time_label,
        answers=[("yes", _("Ja")), ("maybe", _("Kanske")), ("no", _("Nej"))],
        prefix=ANSWER_PREFIX,
    ), status


@bp.get("/natverk/<slug>/datum")
@login_required
def poll(slug: str):
    return render_poll_page(get_network_for_member(slug))


@bp.post("/natverk/<slug>/datum/ny")
@login_required
def create_poll(slug: str):
    network = get_network_for_member(slug)
    if not rotation.can_schedule(current_user, network):
        abort(403)
    form = PollForm()
    done = run_form(
        form,
        lambda: polls.create_poll(
            network,
            form.title.data,
            [polls.ProposedTime(starts, ends) for starts, ends in form.proposed],
            by=current_user,
            place=form.place.data,
        ),
        field="day_1",
    )
    if done:
        flash(_("Datumförslagen är skickade till nätverket."), "info")
        return redirect(url_for("meetings.poll", slug=network.slug))
    return render_poll_page(network, poll_form=form, status=form_status(form))


@bp.post("/natverk/<slug>/datum/<int:poll_id>/svar")
@login_required
def answer_poll(slug: str, poll_id: int):
    network = get_network_for_member(slug)
    poll = get_poll_or_404(network, poll_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    answers = {
        int(key.removeprefix(ANSWER_PREFIX)): value
        for key, value in request.form.items()
        if key.startswith(ANSWER_PREFIX) and key.removeprefix(ANSWER_PREFIX).isdigit()
    }
    polls.record_answers(poll, current_user, answers)
    flash(_("Tack, dina svar är sparade."), "info")
    return redirect(url_for("meetings.poll", slug=network.slug))


@bp.post("/natverk/<slug>/datum/<int:poll_id>/stang")
@login_required
def close_poll(slug: str, poll_id: int):
    network = get_network_for_member(slug)
    if not rotation.can_schedule(current_user, network):
        abort(403)
    poll = get_poll_or_404(network, poll_id)
    polls.check_open(poll)
    form = close_form_for(poll, request.form)
    done = run_form(
        form, lambda: polls.close_poll(poll, form.option.data, by=current_user), field="option"
    )
    if done:
        flash(_("Träffen är bokad och inbjudningar skickas till nätverket."), "info")
        return redirect(url_for("meetings.meeting", meeting_id=done.value.id))
    if getattr(form, RULE_STATUS, None) == 409:  # closed or booked by someone else meanwhile
        return closed_response(form.option.errors[-1])
    return render_poll_page(network, close_form=form, status=form_status(form))


def load_answer_link(token: str):
    """(link, time, person, poll, network) of a mail link, or the page saying why it fails."""
    try:
        link = polls.read_answer_token(token)
    except polls.InvalidAnswerLink as error:
        return render_template("meetings/poll_link_invalid.html", expired=error.expired), 400
    option = db.session.get(DatePollOption, link.option_id)
    person = db.session.get(User, link.user_id)
    if option is None or person is None or not person.active:
        return render_template("meetings/poll_link_invalid.html", expired=False), 404
    poll = db.session.get(DatePoll, option.poll_id)
    try:  # closed, or the person no longer takes part: said plainly, even on GET
        polls.check_answerable(poll, person)
    except RuleError as refusal:
        return closed_response(refusal.message, refusal.status)
    return link, option, person, poll, db.session.get(Network, poll.network_id)


@bp.route("/datumsvar/<token>", methods=["GET", "POST"])
def answer_link(token: str):
    """An answer link from a poll mail: GET shows the answer and a button, POST records it."""
    loaded = load_answer_link(token)
    if len(loaded) == 2:  # the page that says why the link does not work, and its status
        return loaded
    link, option, person, poll, network = loaded
    form = FlaskForm()
    done = request.method == "POST"
    if done:
        if not form.validate_on_submit():
            abort(400)
        polls.record_answers(polls.get_poll(network, poll.id), person, {option.id: link.answer})
    return render_template(
        "meetings/poll_answer.html",
        network=network,
        poll=poll,
        option=option,
        answer={"yes": _("Ja"), "maybe": _("Kanske"), "no": _("Nej")}[link.answer],
        label=time_label(option),
        form=form,
        done=done,
    )
