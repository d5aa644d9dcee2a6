"""The edge of every request: the one place that commits, rolls back and answers rule errors.

``install(app)`` (called by ``create_app``) makes every request end the same way:

* an answer below 400 commits the request's writes; anything else (a refused form, a rule error,
  a 404, a crash) rolls them back. Views and rules never call ``commit()`` or ``rollback()``;
  rules only ``flush()``. A request that wrote nothing (most GETs) does not commit at all: a
  commit would expire every object the page loaded, for nothing; the read transaction ends when
  the session closes at the end of the request.
* a ``RuleError`` (``hub.core.rules``) that reaches the edge becomes the error page with its
  message and status (and Retry-After for ``TooMany``).

A form view::

    form = AskForm()
    done = run_form(form, lambda: questions.create_question(current_user, ...))
    if done:
        flash(_("Din fråga är publicerad."), "success")
        return redirect(url_for("forum.question", question_id=done.value.id))
    return render_template("forum/ask.html", form=form), form_status(form)

``run_form`` validates the submitted form, runs the rule in a savepoint, and on a ``RuleError``
undoes the rule's writes and puts the message at ``error.field`` (or the ``field`` given, or
flashes it); ``form_status`` is then the rule's status, 400 for an invalid form, 200 for a form
shown fresh. ``AlreadyDone`` (a double submit) goes on to the edge, which flashes its message and
redirects to the earlier post.

The escape hatch, for the few writes that must outlive a refusal (a counted failed login)::

    keep_writes()  # failed attempts must count, or guessing is free
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import Flask, Response, flash, g, redirect, render_template
from flask_wtf import FlaskForm
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from hub.core.rules import AlreadyDone, RuleError, TooMany
from hub.extensions import db

T = TypeVar("T")
KEEP_WRITES = "edge_keep_writes"
RULE_STATUS = "rule_status"  # set on a form a rule refused
WROTE = "edge_wrote"  # in Session.info: this session flushed or executed a write since its commit


def install(app: Flask) -> None:
    # First in the list, so that it runs after every other after-request hook (Flask runs them
    # in reverse), and commits what those wrote too.
    app.after_request_funcs.setdefault(None, []).insert(0, end_transaction)
    app.register_error_handler(RuleError, rule_error_page)
    app.register_error_handler(AlreadyDone, already_done)


def end_transaction(response: Response) -> Response:
    session = db.session()  # once: each use of the scoped proxy looks the session up again
    if response.status_code < 400 or g.pop(KEEP_WRITES, False):
        if has_writes(session):
            session.commit()
    else:
        session.rollback()
    return response


def has_writes(session: Session) -> bool:
    """Whether committing would change anything: a flush or a write statement since the last
    commit, or changed objects still waiting for their flush. A write sent past the session
    (``db.session.connection().execute``) is not seen: such a writer commits on its own, as
    ``last_seen.record_visit`` and ``viewcounts.flush_views`` do. Changed objects are asked of
    the identity map first (``session.dirty`` builds a set of them to answer the same)."""
    return bool(
        session.info.get(WROTE)
        or session.identity_map.check_modified()
        or session.new
        or session.deleted
    )


# On the Session class, so that every session (the tests' too) reports its writes.
@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if not state.is_select:  # UPDATE, INSERT, DELETE, or text that may be any of them
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    # Only the outermost transaction's end: a released savepoint's writes still await the commit.
    if transaction.parent is None:
        session.info.pop(WROTE, None)


def keep_writes() -> None:
    """Commit this request's writes even though its answer is refused (400 or more).

    Only for writes that are the point of the refusal, such as a counted failed login or a
    rate-limit hit; say why beside the call."""
    g.setdefault(KEEP_WRITES, True)


def rule_error_page(error: RuleError) -> tuple[str, int, dict[str, str]]:
    from hub.core.errors import MESSAGES

    title, _text = MESSAGES[error.status]
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, TooMany) else {}
    html = render_template("errors/error.html", code=error.status, title=title, text=error.message)
    return html, error.status, headers


def already_done(error: AlreadyDone) -> Response:
    flash(error.message, "info")
    return redirect(error.location, code=303)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What ``run_form`` gives back: true when the rule ran, with what it returned."""

    done: bool
    value: T | None = None

    def __bool__(self) -> bool:
        return self.done


REFUSED: Outcome[Any] = Outcome(False)


def run_form(
    form: FlaskForm,
    change: Callable[[], T],
    *,
    field: str | None = None,
    savepoint: bool = True,
) -> Outcome[T]:
    """Validate the submitted ``form`` and run ``change`` (a rule); see the module's docstring.

    ``savepoint=False`` for a rule that refuses before it writes anything (its docstring says
    so): there is nothing to undo, and the savepoint's two round trips are saved."""
    if not form.validate_on_submit():
        return REFUSED
    try:
        return Outcome(True, run_rule(change) if savepoint else change())
    except AlreadyDone:
        raise  # a double submit: the edge shows the earlier one
    except RuleError as error:
        show_rule_error(form, error, field=field)
        return REFUSED


def run_rule(change: Callable[[], T]) -> T:
    """Run ``change`` in a savepoint: when it raises, what it wrote is undone (and rows it changed
    show their stored values again), while the request's earlier writes stay."""
    with db.session.begin_nested():
        return change()


def show_rule_error(form: FlaskForm, error: RuleError, *, field: str | None = None) -> None:
    """The message next to its field (the error's own, else ``field``), or flashed."""
    setattr(form, RULE_STATUS, error.status)
    target = form._fields.get(error.field or field or "")
    if target is None:
        flash(error.message, "error")
    else:
        target.errors = [*target.errors, error.message]


def form_status(form: FlaskForm) -> int:
    """200 for a form shown fresh, the rule's status when a rule refused it, else 400."""
    if not form.is_submitted():
        return 200
    return getattr(form, RULE_STATUS, 400)
