"""Routes of the forum part: parse, load through a checked getter, call a rule, render."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import false, select

from hub.auth.permissions import Permission, can, require
from hub.auth.views import safe_next
from hub.core.edge import form_status, run_form, run_rule
from hub.core.guards import ascii_int
from hub.core.i18n import translated
from hub.core.models import Tag
from hub.core.pagination import page_number
from hub.core.rules import RuleError
from hub.extensions import db
from hub.forum import (
    activity,
    answers,
    list_parts,
    mentions,
    moderation,
    page_answers,
    page_comments,
    post_parts,
    questions,
)
from hub.forum.forms import (
    AnswerForm,
    AskForm,
    AskToAnswerForm,
    CommentForm,
    EditQuestionForm,
    FlagForm,
    MergeForm,
    ModerationForm,
    MoveForm,
)
from hub.forum.models import Answer, Category, Flag, Question, Revision
from hub.forum.questions import QuestionFilters, slugify
from hub.forum.viewcounts import count_view, flush_views_if_due

bp = Blueprint("forum", __name__)
bp.add_app_template_filter(slugify, "forum_slug")
bp.add_app_template_filter(mentions.link_mentions, "mentions")
bp.add_app_template_global(post_parts.kept_field, "kept_field")


@bp.before_request
def flush_buffered_views() -> None:
    """POSTs write anyway: the buffered view counts, when due, are written first, in their own
    transaction."""
    if request.method == "POST" and current_user.is_authenticated:
        flush_views_if_due()


def _load_question(question_id: int, *, full: bool = False):
    question = questions.get_question_for(current_user, question_id, full=full)
    if question is None or question.merged_into_id is not None:
        abort(404)
    return question


def _load_answer(answer_id: int) -> Answer:
    answer = answers.get_answer_for(current_user, answer_id)
    if answer is None:
        abort(404)
    return answer


def _may_delete(thing):
    """A post the member may delete (the author or a moderator), else 403."""
    if not questions.check_can_delete(current_user, thing.author_id):
        abort(403)
    return thing


def _deletable_comment(comment_id: int):
    """The comment and its question, loaded through the question's own checked getter."""
    comment = answers.get_comment(comment_id)
    if comment is None:
        abort(404)
    question = _load_question(answers.comment_question_id(comment))
    return _may_delete(comment), question


def _back(question, anchor: str = ""):
    return _back_to(question.id, question.title, anchor)


def _back_to(question_id: int, title: str, anchor: str = ""):
    return redirect(
        url_for("forum.question", question_id=question_id, slug=slugify(title)) + anchor,
        code=303,
    )


# --- lists --------------------------------------------------------------------------------


def _per_page() -> int:
    wanted = ascii_int(request.args.get("per_page", "20"), high=10**9)
    return 20 if wanted is None else min(max(wanted, 10), 50)


@bp.get("/fragor", endpoint="questions")
@login_required
def questions_list():
    all_categories = questions.listed_categories()
    filters, category_slug, tag_slug = _filters_from_request(all_categories)
    rows, has_next = questions.list_questions(filters, current_user)
    args = _list_args(filters, category_slug, tag_slug)
    return render_template(
        "forum/questions.html",
        list_head=list_parts.list_head(filters, all_categories, args),
        # One Markup: each row given apart was escaped (copied) again by the template's loop.
        questions=Markup("".join(list_parts.question_rows(rows))),  # noqa: S704  (kept rows)
        filters=filters,
        has_next=has_next,
        args=args,
    )


def _filters_from_request(all_categories) -> tuple[QuestionFilters, str, str]:
    sort = request.args.get("sort", "newest")
    filters = QuestionFilters(
        sort=sort if sort in questions.SORTS else "newest",
        mine_expertise=request.args.get("min") == "1",
        page=page_number(),
        per_page=_per_page(),
    )
    category_slug = request.args.get("kategori", "")
    if category_slug:
        filters.category = next((c for c in all_categories if c.slug == category_slug), None)
        if filters.category is None:
            abort(404)
    tag_slug = request.args.get("tagg", "")
    if tag_slug:
        filters.tag = questions.tag_by_slug(tag_slug)
        if filters.tag is None:
            abort(404)
    return filters, category_slug, tag_slug


def _list_args(filters: QuestionFilters, category_slug: str, tag_slug: str) -> dict:
    """The list's own query arguments, for the pager and sort links."""
    return {
        k: v
        for k, v in {
            "sort": filters.sort,
            "kategori": category_slug,
            "tagg": tag_slug,
            "min": "1" if filters.mine_expertise else "",
            "per_page": filters.per_page if filters.per_page != 20 else "",
        }.items()
        if v
    }


@bp.route("/fragor/ny", methods=["GET", "POST"])
@require(Permission.POST)
def ask():
    form = AskForm()
    form.category.choices = [(c.id, translated(c.name)) for c in questions.categories()]
    if form.category.data is None and request.method == "GET":
        wanted = request.args.get("kategori")
        form.category.data = next((c for c, _n in form.category.choices if str(c) == wanted), None)
    done = run_form(form, lambda: create_question_from(form))
    if done:
        flash(_("Din fråga är publicerad."), "success")
        return _back(done.value)
    return render_template("forum/ask.html", form=form), form_status(form)


def create_question_from(form: AskForm):
    return questions.create_question(
        current_user,
        title=form.title.data,
        body=form.body.data,
        category_id=form.category.data,
        tag_names=questions.check_tags(form.tags.data),
    )


# --- one question -------------------------------------------------------------------------


@bp.get("/fragor/<int:question_id>")
@bp.get("/fragor/<int:question_id>/<slug>")
@login_required
def question(question_id: int, slug: str | None = None):
    read = questions.read_question_page(current_user, question_id)
    found = read.question
    if found is None:
        abort(404)
    if found.merged_into_id is not None:
        return redirect(url_for("forum.question", question_id=found.merged_into_id), code=301)
    canonical = slugify(found.title)
    if slug != canonical:
        return redirect(
            # The query goes along as it came, never into url_for (whose own arguments,
            # such as _external, would change the address itself).
            with_query(url_for("forum.question", question_id=found.id, slug=canonical)),
            code=301,
        )
    count_view(found.id)
    return render_question(found, following=read.following, comments_read=read.comments,
                           answers_read=read.answers, experts_read=read.experts)  # fmt: skip


def with_query(url: str) -> str:
    """The URL with the request's query string, encoded afresh."""
    query = urlencode(list(request.args.items(multi=True)))
    return f"{url}?{query}" if query else url


def render_question(question, *, status: int = 200, answer_form=None, comment_form=None,
                    comment_target: str = "", flag_form=None, ask_form=None,
                    merge_form=None, following: bool | None = None,
                    comments_read=None, answers_read=None, experts_read=None):  # fmt: skip
    if isinstance(question, Question):  # a POST's, loaded to be changed: read as the page's row
        question = questions.page_question_of(question)
    me = current_user._get_current_object()
    rows = answers_read
    if rows is None:  # a POST's page: no answers came with the question
        rows = page_answers.answers_for_page(question, me)
    shown = [a.id for a, _m in rows]
    if comments_read is None:  # a POST's page: no comments came with the question
        comments = page_comments.comments_for_page(question.id, shown)
    else:
        comments = page_comments.comments_as_read(comments_read, question.id, shown)
    written = [question.body_source, *(a.body_source for a, _m in rows)]
    written += [c.body for group in comments.values() for c in group]
    people = mentions.people_to_link(me, written)
    if following is None:
        following = questions.is_following(me, "question", question.id)
    experts = questions.experts_for(question, me, read=experts_read)
    moderator = can(me, Permission.MODERATE)
    move_form = None
    if moderator:
        move_form = MoveForm(formdata=None)
        move_form.category.choices = [(c.id, translated(c.name)) for c in questions.categories()]
        move_form.category.data = question.category_id
        merge_form = merge_form or MergeForm(formdata=None)
    forms = None
    if comment_form is not None or flag_form is not None:
        forms = {"flag_form": flag_form, "comment_form": comment_form,
                 "comment_target": comment_target}  # fmt: skip
    answer_parts = post_parts.answer_parts(
        question, rows, comments, viewer=me, moderator=moderator,
        can_accept=question.author_id == me.id or moderator, people=people, forms=forms,
    )  # fmt: skip
    question_part = post_parts.question_part(
        question, comments.get(("question", question.id), ()), viewer=me, moderator=moderator,
        people=people, following=following, forms=forms,
    )  # fmt: skip
    experts_part = post_parts.experts_part(question.id, experts)
    page_forms = {
        "answer_form": answer_form or post_parts.BlankForm(AnswerForm),
        "ask_form": ask_form or post_parts.BlankForm(AskToAnswerForm),
        "move_form": move_form,
        "merge_form": merge_form,
    }
    content = post_parts.question_content(
        question, question_part, answer_parts, experts_part, moderator=moderator, forms=page_forms
    )
    return render_template("forum/question.html", question=question, content=content), status


@bp.post("/fragor/<int:question_id>/svar")
@require(Permission.POST)
def answer(question_id: int):
    # Without the asker's face and the tags: only a refused answer shows the page again.
    question = _load_question(question_id)
    form = AnswerForm()
    done = run_form(
        form,
        lambda: answers.create_answer(question, current_user, form.body.data),
        field="body",
        savepoint=False,  # create_answer refuses before it writes
    )
    if not done:
        question = _load_question(question_id, full=True)
        return render_question(question, status=form_status(form), answer_form=form)
    flash(_("Tack för ditt svar!"), "success")
    return _back(question, f"#svar-{done.value.id}")


@bp.route("/fragor/<int:question_id>/redigera", methods=["GET", "POST"])
@require(Permission.POST)
def edit_question(question_id: int):
    question = _load_question(question_id, full=True)
    if not questions.check_can_edit(current_user, question.author_id):
        abort(403)
    form = EditQuestionForm(
        data={
            "title": question.title,
            "body": question.body_source,
            "tags": ", ".join(t.name for t in question.tags),
        }
        if request.method == "GET"
        else None
    )
    done = run_form(
        form,
        lambda: questions.edit_question(
            question,
            current_user,
            title=form.title.data,
            body=form.body.data,
            tag_names=questions.check_tags(form.tags.data),
        ),
        field="tags",
    )
    if done:
        flash(_("Ändringen är sparad."), "success")
        return _back(question)
    html = render_template("forum/edit.html", form=form, question=question, kind="question")
    return html, form_status(form)


@bp.route("/svar/<int:answer_id>/redigera", methods=["GET", "POST"])
@require(Permission.POST)
def edit_answer(answer_id: int):
    answer_ = _load_answer(answer_id)
    question = answer_.question
    if not questions.check_can_edit(current_user, answer_.author_id):
        abort(403)
    form = AnswerForm(data={"body": answer_.body_source} if request.method == "GET" else None)
    if run_form(form, lambda: answers.edit_answer(answer_, current_user, form.body.data)):
        flash(_("Ändringen är sparad."), "success")
        return _back(question, f"#svar-{answer_.id}")
    return render_template(
        "forum/edit.html", form=form, question=question, kind="answer", answer=answer_
    ), form_status(form)


@bp.get("/fragor/<int:question_id>/versioner")
@login_required
def revisions(question_id: int):
    question = _load_question(question_id)
    answer_ids = select(Answer.id).where(Answer.question_id == question.id)
    if not can(current_user, Permission.MODERATE):
        # Old text of a hidden or deleted answer stays as hidden as the answer.
        answer_ids = answer_ids.where(Answer.hidden == false(), Answer.deleted_at.is_(None))
    rows = db.session.scalars(
        select(Revision)
        .where(
            ((Revision.target_type == "question") & (Revision.target_id == question.id))
            | ((Revision.target_type == "answer") & Revision.target_id.in_(answer_ids))
        )
        .order_by(Revision.created_at.desc())
        .limit(100)
    )
    return render_template("forum/revisions.html", question=question, revisions=list(rows))


def confirm_delete(kind: str, text: str, question, action: str):
    """A delete asks first, on a page of its own (works without JavaScript; a slip of the thumb
    on a phone deletes nothing)."""
    return render_template(
        "forum/confirm_delete.html", kind=kind, text=text, question=question, action=action
    )


@bp.get("/fragor/<int:question_id>/ta-bort")
@require(Permission.POST)
def confirm_delete_question(question_id: int):
    question = _may_delete(_load_question(question_id))
    action = url_for("forum.delete_question", question_id=question.id)
    return confirm_delete("question", question.title, question, action)


@bp.get("/svar/<int:answer_id>/ta-bort")
@require(Permission.POST)
def confirm_delete_answer(answer_id: int):
    answer_ = _may_delete(_load_answer(answer_id))
    action = url_for("forum.delete_answer", answer_id=answer_.id)
    return confirm_delete("answer", answer_.body_source, answer_.question, action)


@bp.get("/kommentarer/<int:comment_id>/ta-bort")
@require(Permission.POST)
def confirm_delete_comment(comment_id: int):
    comment, question = _deletable_comment(comment_id)
    action = url_for("forum.delete_comment", comment_id=comment.id)
    return confirm_delete("comment", comment.body, question, action)


@bp.post("/fragor/<int:question_id>/ta-bort")
@require(Permission.POST)
def delete_question(question_id: int):
    question = _may_delete(_load_question(question_id))
    questions.delete_question(question)
    flash(_("Frågan är borttagen."), "info")
    return redirect(url_for("forum.questions"), code=303)


@bp.post("/svar/<int:answer_id>/ta-bort")
@require(Permission.POST)
def delete_answer(answer_id: int):
    answer_ = _may_delete(_load_answer(answer_id))
    question = answer_.question
    answers.delete_answer(answer_)
    flash(_("Svaret är borttaget."), "info")
    return _back(question)


# --- comments -----------------------------------------------------------------------------


def _comment(question, answer_=None):
    form = CommentForm()
    target = f"svar-{answer_.id}" if answer_ else "fraga"
    comment = lambda: answers.create_comment(question, current_user, form.body.data, answer_)  # noqa: E731
    if not run_form(form, comment, field="body"):
        return render_question(
            question, status=form_status(form), comment_form=form, comment_target=target
        )
    return _back(question, f"#{target}")


@bp.post("/fragor/<int:question_id>/kommentar")
@require(Permission.POST)
def comment_question(question_id: int):
    return _comment(_load_question(question_id, full=True))


@bp.post("/svar/<int:answer_id>/kommentar")
@require(Permission.POST)
def comment_answer(answer_id: int):
    answer_ = _load_answer(answer_id)
    return _comment(_load_question(answer_.question_id, full=True), answer_)


@bp.post("/kommentarer/<int:comment_id>/ta-bort")
@require(Permission.POST)
def delete_comment(comment_id: int):
    comment, question = _deletable_comment(comment_id)
    answers.delete_comment(comment)
    flash(_("Kommentaren är borttagen."), "info")
    return _back(question)


# --- accept, helpful, follow, ask ---------------------------------------------------------


@bp.post("/svar/<int:answer_id>/godta")
@require(Permission.POST)
def accept(answer_id: int):
    answer_ = _load_answer(answer_id)
    question = answer_.question
    accepted = answers.toggle_accept(answer_, current_user)
    flash(
        _("Svaret är markerat som lösningen.")
        if accepted
        else _("Svaret är inte längre markerat som lösningen."),
        "success",
    )
    return _back(question, f"#svar-{answer_.id}")


@bp.post("/svar/<int:answer_id>/hjalpsamt")
@require(Permission.POST)
def helpful(answer_id: int):
    answer_ = answers.get_mark_target_for(current_user, answer_id)
    if answer_ is None:
        abort(404)
    try:
        # No savepoint (run_rule): the rule refuses before it writes anything.
        answers.toggle_helpful(answer_, current_user)
    except RuleError as error:
        flash(error.message, "error")
    return _back_to(answer_.question_id, answer_.question_title, f"#svar-{answer_.id}")


@bp.post("/folj/<target_type>/<int:target_id>")
@require(Permission.POST)
def follow(target_type: str, target_id: int):
    follow_now = request.form.get("action") != "unfollow"
    if target_type == "question":
        _load_question(target_id)
    elif target_type == "tag":
        if db.session.get(Tag, target_id) is None:
            abort(404)
    elif target_type == "category":
        if db.session.get(Category, target_id) is None:
            abort(404)
    else:
        abort(404)
    activity.set_following(current_user, target_type, target_id, follow_now)
    flash(_("Du följer nu det här.") if follow_now else _("Du följer inte längre det här."), "info")
    back = request.form.get("next", "")
    if back:  # only a local path: "/\\evil.example" is another site to a browser
        return redirect(safe_next(back), code=303)
    return redirect(url_for("forum.questions"), code=303)


@bp.post("/fragor/<int:question_id>/be-svara")
@require(Permission.POST)
def ask_to_answer(question_id: int):
    question = _load_question(question_id, full=True)
    form = AskToAnswerForm()
    done = run_form(
        form,
        lambda: activity.ask_to_answer_by_name(question, current_user, form.name.data),
        field="name",
    )
    if not done:
        return render_question(question, status=form_status(form), ask_form=form)
    colleague, sent = done.value
    flash(
        _("Vi har bett %(name)s att svara.", name=colleague.name)
        if sent
        else _("%(name)s är redan tillfrågad.", name=colleague.name),
        "success",
    )
    return _back(question)


@bp.post("/fragor/<int:question_id>/be-svara/<int:user_id>")
@require(Permission.POST)
def ask_expert(question_id: int, user_id: int):
    """The one-tap "Be om svar" beside each person under "Vem kan svara?" (CSRFProtect has
    checked the token); the same rule, limits and notification as asking by name."""
    question = _load_question(question_id, full=True)
    colleague = activity.listed_member(user_id)
    if colleague is None:
        abort(404)
    sent = run_rule(lambda: activity.ask_to_answer(question, current_user, colleague))
    flash(
        _("Vi har bett %(name)s att svara. Du får en notis när det kommer ett svar.",
          name=colleague.name)
        if sent
        else _("%(name)s är redan tillfrågad.", name=colleague.name),
        "success",
    )  # fmt: skip
    return _back(question, "#vem-kan-svara")


@bp.get("/fragor/personer.json")
@require(Permission.VIEW_MEMBERS)
def people_json():
    people = activity.people_matching(request.args.get("q", ""))
    return jsonify([{"id": p.id, "name": p.name, "title": p.title} for p in people])


# --- flags and moderation -----------------------------------------------------------------


@bp.post("/fragor/<int:question_id>/flagga")
@require(Permission.POST)
def flag(question_id: int):
    question = _load_question(question_id, full=True)
    form = FlagForm()
    flag_it = lambda: moderation.create_flag(  # noqa: E731
        current_user, question, form.target_type.data, form.target_id.data, form.reason.data
    )
    if not run_form(form, flag_it, field="reason"):
        return render_question(question, status=form_status(form), flag_form=form)
    flash(_("Tack! En moderator tittar på det."), "success")
    return _back(question)


@bp.get("/moderering")
@require(Permission.MODERATE)
def moderation_page():
    return render_template(
        "forum/moderation.html",
        flags=moderation.open_flags(),
        log=moderation.recent_log(),
        form=ModerationForm(formdata=None),
    )


def moderation_reason(allowed: bool = True) -> str:
    """The moderator's reason from the posted form; 400 for a broken form or an unknown action."""
    form = ModerationForm()
    if not form.validate() or not allowed:
        abort(400)
    return form.reason.data or ""


def logged(question: Question, anchor: str = ""):
    flash(_("Åtgärden är sparad och loggad."), "success")
    return _back(question, anchor)


@bp.post("/moderering/fragor/<int:question_id>/<action>")
@require(Permission.MODERATE)
def moderate_question(question_id: int, action: str):
    question = _load_question(question_id)
    reason = moderation_reason(action in moderation.QUESTION_TOGGLES)
    moderation.do_question_action(question, current_user, action, reason)
    return logged(question)


@bp.post("/moderering/svar/<int:answer_id>/<action>")
@require(Permission.MODERATE)
def moderate_answer(answer_id: int, action: str):
    answer_ = _load_answer(answer_id)
    reason = moderation_reason(action in ("hide", "unhide"))
    moderation.do_answer_action(answer_, current_user, action, reason)
    return logged(answer_.question, f"#svar-{answer_.id}")


@bp.post("/moderering/kommentarer/<int:comment_id>/dolj")
@require(Permission.MODERATE)
def moderate_comment(comment_id: int):
    comment = answers.get_comment(comment_id)
    if comment is None:
        abort(404)
    question = _load_question(answers.comment_question_id(comment))
    moderation.do_comment_hide(comment, current_user, question.id, moderation_reason())
    return logged(question)


@bp.post("/moderering/fragor/<int:question_id>/flytta")
@require(Permission.MODERATE)
def move(question_id: int):
    question = _load_question(question_id, full=True)
    form = MoveForm()
    form.category.choices = [(c.id, translated(c.name)) for c in questions.categories()]
    if not form.validate():
        abort(400)
    category = db.session.get(Category, form.category.data)
    moderation.move_question(question, current_user, category, form.move_reason.data or "")
    flash(_("Frågan är flyttad."), "success")
    return _back(question)


@bp.post("/moderering/fragor/<int:question_id>/sla-ihop")
@require(Permission.MODERATE)
def merge(question_id: int):
    duplicate = _load_question(question_id, full=True)
    form = MergeForm()
    merge_it = lambda: moderation.merge_question_into(  # noqa: E731
        duplicate, form.target.data, current_user, form.merge_reason.data or ""
    )
    done = run_form(form, merge_it)
    if not done:
        return render_question(duplicate, status=form_status(form), merge_form=form)
    flash(_("Frågorna är ihopslagna."), "success")
    return redirect(url_for("forum.question", question_id=done.value.id), code=303)


@bp.post("/moderering/flaggor/<int:flag_id>/klar")
@require(Permission.MODERATE)
def resolve_flag(flag_id: int):
    found = db.get_or_404(Flag, flag_id)
    moderation.resolve_flag(found, current_user, moderation_reason())
    flash(_("Anmälan är hanterad."), "success")
    return redirect(url_for("forum.moderation_page"), code=303)
