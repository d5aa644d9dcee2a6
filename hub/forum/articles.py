"""An answer's article and "Who can answer?" on the question page, written in Python (issue 17).

The first reader of a question pays for its answers' articles (``hub.forum.post_parts`` keeps
them for the readers after): through ``forum/_answers.html`` that was about 60 µs an answer, a
third of a 20-answer page, most of it Jinja's macro calls, filters and attribute look-ups. Here
an article is a few string joins with its words made once per language. The HTML is the
template's to the byte (tests/forum/test_articles.py renders both for every kind of answer);
the template still writes what only moderators and pages re-shown with a form's errors see.
"Who can answer?" (forum/_experts.html, 0.3 ms through Jinja for five experts) likewise.

As a shared part, an article is made from its facts alone (``post_parts.answer_parts``) and
the reader's CSRF token is a hole (``marks["csrf"]``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from markupsafe import Markup, escape

from hub.core.i18n import catalogue, current_locale, translated
from hub.core.templating import cached_url_for, html_id_url
from hub.directory.faces import avatar
from hub.forum.faces import official_place


@dataclass(frozen=True, slots=True)
class Words:
    """The article's words in one language, as the template's ``_()`` gives them (not escaped:
    our own catalogue), and the parts of "more choices for the answer from %(name)s"."""

    solution: str
    hidden: str
    helped: str
    mark: str
    edit: str
    delete: str
    former: str
    flag_label: str
    flag: str
    comment: str
    comment_label: str
    send_comment: str
    edited: str
    former_member: str
    delete_comment: str
    comment_word: str
    more_before: str
    more_after: str
    question_hidden: str  # the question's own article's words
    question_locked: str
    question: str
    follow: str
    question_more: str


@lru_cache(maxsize=8)
def words(locale: Locale | None) -> Words:
    """``locale`` is the request's: the catalogue read is the one it selects."""
    _ = catalogue().ugettext
    more_before, _name, more_after = _("Fler val för svaret från %(name)s").partition("%(name)s")
    return Words(
        solution=_("Lösningen"),
        hidden=_("Svaret är dolt för medlemmar."),
        helped=_("Hjälpte mig"),
        mark=_("Markera som lösning"),
        edit=_("Redigera"),
        delete=_("Ta bort"),
        former=_("tidigare medlem"),
        flag_label=_("Anmäl till en moderator. Vad är fel?"),
        flag=_("Anmäl"),
        comment=_("Kommentera"),
        comment_label=_("Kort kommentar (högst 600 tecken)"),
        send_comment=_("Skicka kommentaren"),
        edited=_("redigerad"),
        former_member=_("Tidigare medlem"),
        delete_comment=_("Ta bort"),
        comment_word=_("kommentaren"),
        more_before=more_before,
        more_after=more_after,
        question_hidden=_("Frågan är dold för medlemmar."),
        question_locked=_("Frågan är låst. Det går inte att svara eller kommentera."),
        question=_("Frågan"),
        follow=_("Följ frågan"),
        question_more=_("Fler val för frågan"),
    )


def write_answers(parts: Sequence[Mapping], marks: Mapping[str, Markup]) -> list[str]:
    """Each part's article (a member's view: no moderator's tools, no form with errors)."""
    w = words(current_locale())
    csrf = str(marks["csrf"])
    urls = _AnswerUrls()
    return [_article(part, w, csrf, urls) for part in parts]


class _AnswerUrls:
    """The addresses every answer's article has (the others are rare: accept, edit, delete)."""

    __slots__ = ("comment", "flag", "helpful")

    def __init__(self) -> None:
        # Each worked out once per write: ``cached_url_for`` works out a key on each call, a
        # fifth of making twenty answers.
        self.helpful = html_id_url("forum.helpful", "answer_id")
        self.comment = html_id_url("forum.comment_answer", "answer_id")
        self.flag = html_id_url("forum.flag", "question_id")


def _article(part: Mapping, w: Words, csrf: str, urls: _AnswerUrls) -> str:
    answer, question = part["answer"], part["question"]
    solution, own, count = part["solution"], part["own"], answer.helpful_count
    aid = answer.id
    out = [f'<article class="answer post{" accepted" if solution else ""}" id="svar-{aid}">\n']
    if solution:
        out.append(f'<p class="accepted-label"><span aria-hidden="true">✓</span> {w.solution}</p>')
    if answer.hidden:
        out.append(f'<p class="notice">{w.hidden}</p>')
    out += ["  ", post_head(part["head"], question.id, w), "\n"]
    out.append(f'  <div class="post-body">{part["body"]}</div>\n  <div class="post-actions">\n')
    if not own:
        pressed = "true" if part["marked"] else "false"
        shown = f' <span class="count">{count}</span>' if count else ""
        out.append(
            f'    <form method="post" action="{urls.helpful(aid)}"'
            ' class="inline">\n'
            f'      <input type="hidden" name="csrf_token" value="{csrf}">\n'
            f'      <button type="submit" class="toggle" aria-pressed="{pressed}">{w.helped}'
            f"{shown}</button>\n    </form>\n"
        )
    elif count:
        text = catalogue().ungettext(
            "%(num)s tyckte att det hjälpte", "%(num)s tyckte att det hjälpte", count
        )
        out.append(f'    <span class="muted">{text % {"num": count}}</span>\n')
    if part["can_accept"]:
        pressed = "true" if solution else "false"
        out.append(
            f'    <form method="post" action="{_url("forum.accept", answer_id=aid)}"'
            ' class="inline">\n'
            f'      <input type="hidden" name="csrf_token" value="{csrf}">\n'
            f'      <button type="submit" class="toggle" aria-pressed="{pressed}">'
            f"{w.solution if solution else w.mark}</button>\n    </form>\n"
        )
    author = answer.author
    name = escape(author.name) if author else w.former
    out.append(
        '    <details class="more-menu">\n      <summary class="icon-button"><span'
        ' aria-hidden="true">⋯</span><span class="visually-hidden">'
        f"{w.more_before}{name}{w.more_after}</span></summary>\n"
        '      <div class="menu-panel menu-links">\n'
    )
    if own:
        out.append(f'<a href="{_url("forum.edit_answer", answer_id=aid)}">{w.edit}</a>')
        out.append(f'<a href="{_url("forum.confirm_delete_answer", answer_id=aid)}">{w.delete}</a>')
    out.append(_report_form(urls.flag(question.id), "answer", aid, w, csrf))
    out.append("\n      </div>\n    </details>\n")
    if question.locked:
        out.append("    \n")
    else:
        action = urls.comment(aid)
        out.append(_comment_form(f"svar-{aid}", action, w, csrf))
    out.append("  </div>\n")
    if part["comments"]:
        out.append(comment_list(part["comments"], f"svar-{aid}", w))
    out.append("</article>\n")
    return "".join(out)


def write_question(facts: Mapping, marks: Mapping[str, Markup]) -> str:
    """forum/_question_article.html with no form of the reader's: the question's own article
    from the facts ``post_parts.question_part`` works out (``head``, ``body``, ``comments``)."""
    w = words(current_locale())
    question, csrf, qid = facts["question"], str(marks["csrf"]), facts["question"].id
    category = _url("forum.questions", kategori=question.category_slug)
    out = [
        '<article class="question post" id="fraga">\n'
        f'  <p class="muted"><a class="quiet-link" href="{category}">'
        f"{escape(translated(question.category_name))}</a></p>\n"
        f"  <h1>{escape(question.title)}</h1>\n"
    ]
    if question.hidden:
        out.append(f'<p class="notice">{w.question_hidden}</p>')
    if question.locked:
        out.append(f'<p class="notice">{w.question_locked}</p>')
    out += ["  ", post_head(facts["head"], qid, w), "\n"]
    out.append(f'  <h2 class="visually-hidden">{w.question}</h2>\n')
    out.append(f'  <div class="post-body">{facts["body"]}</div>\n')
    if question.tags:
        out.append('<p class="tags">')
        for tag in question.tags:
            href = _url("forum.questions", tagg=tag.slug)
            out.append(f'<a class="tag" href="{href}">{escape(tag.name)}</a> ')
        out.append("</p>")
    follow = _url("forum.follow", target_type="question", target_id=qid)
    unfollow = '<input type="hidden" name="action" value="unfollow">' if facts["following"] else ""
    pressed = "true" if facts["following"] else "false"
    out.append(
        f'  <div class="post-actions">\n    <form method="post" action="{follow}" class="inline">\n'
        f'      <input type="hidden" name="csrf_token" value="{csrf}">\n'
        f'      <input type="hidden" name="next" value="{marks["path"]}">\n'
        f'{unfollow}      <button type="submit" class="toggle" aria-pressed="{pressed}">'
        f"{w.follow}</button>\n    </form>\n"
        '<details class="more-menu">\n  <summary class="icon-button"><span aria-hidden="true">'
        f'⋯</span><span class="visually-hidden">{w.question_more}</span></summary>\n'
        '  <div class="menu-panel menu-links">\n'
    )
    if facts["own"]:
        out.append(f'<a href="{_url("forum.edit_question", question_id=qid)}">{w.edit}</a>')
    if facts["can_delete"]:
        delete = _url("forum.confirm_delete_question", question_id=qid)
        out.append(f'<a href="{delete}">{w.delete}</a>')
    flag = _url("forum.flag", question_id=qid)
    out += ["    ", "      ", _report_form(flag, "question", qid, w, csrf), "\n\n"]
    out.append("  </div>\n</details>\n    ")
    if not question.locked:
        action = _url("forum.comment_question", question_id=qid)
        out.append(_comment_form("fraga", action, w, csrf))
    out.append("\n  </div>\n  ")
    if facts["comments"]:
        out.append(comment_list(facts["comments"], "fraga", w))
    out.append("\n</article>")  # the template's last newline is not written (Jinja)
    return "".join(out)


def _url(endpoint: str, **values: int | str) -> str:
    return str(escape(cached_url_for(endpoint, **values)))


def post_head(head, question_id: int, w: Words) -> str:
    """``post_head`` of forum/_post.html."""
    out = ['<div class="post-head">\n']
    if head.avatar:
        out.append(head.avatar)
    else:
        out.append('<span class="avatar avatar-small avatar-initials" aria-hidden="true">?</span>')
    out.append("  <p>\n")
    if head.href:
        out.append(f'<a class="post-author" href="{escape(head.href)}">{escape(head.name)}</a>\n')
    else:
        out.append(f'<strong class="post-author">{escape(head.name)}</strong>')
    place = f"{escape(head.place)} · " if head.place else ""
    created = head.created
    out.append(
        f'    <span class="muted">{place}<time datetime="{escape(created.iso)}"'
        f' title="{escape(created.title)}">{escape(created.ago)}</time>'
    )
    if head.edited:
        revisions = _url("forum.revisions", question_id=question_id)
        out.append(
            f' · <a href="{revisions}">{w.edited}<span class="visually-hidden">'
            f" {escape(head.edited)}</span></a>"
        )
    out.append("</span>\n  </p>\n</div>\n")
    return "".join(out)


def _report_form(action: str, target_type: str, target_id: int, w: Words, csrf: str) -> str:
    """``report_form`` of forum/_comments.html, with no form of the reader's; ``action`` is the
    question's ``forum.flag`` address."""
    target = f"flagga-{target_type}-{target_id}"
    return (
        f'<form method="post" action="{action}"'
        ' class="report-form" novalidate>\n'
        f'  <input type="hidden" name="csrf_token" value="{csrf}">\n'
        f'  <input type="hidden" name="target_type" value="{target_type}">\n'
        f'  <input type="hidden" name="target_id" value="{target_id}">\n'
        f'  <label for="{target}">{w.flag_label}</label>\n'
        f'  <input type="text" id="{target}" name="reason" maxlength="500" value="">\n'
        f'  <button type="submit" class="button-secondary">{w.flag}</button>\n</form>\n'
    )


def _comment_form(target: str, action: str, w: Words, csrf: str) -> str:
    """``comment_box`` of forum/_comments.html, closed and empty."""
    return (
        '<details class="comment-form">\n'
        f'  <summary class="quiet-button">{w.comment}</summary>\n'
        f'  <form method="post" action="{action}" novalidate>\n'
        f'    <input type="hidden" name="csrf_token" value="{csrf}">\n'
        f'    <label for="{target}-kommentar">{w.comment_label}</label>\n'
        f'    <textarea id="{target}-kommentar" name="body" maxlength="600" rows="2"'
        ' class="mention-input"></textarea>\n'
        f'    <button type="submit" class="button-secondary">{w.send_comment}</button>\n'
        "  </form>\n</details>\n"
    )


def comment_list(items: Sequence, target: str, w: Words) -> str:
    """``comment_list`` of forum/_comments.html."""
    out = [f'<ul class="comment-list" id="{escape(target)}-kommentarer">\n']
    for c in items:
        author = escape(c.author_name) if c.author_name is not None else w.former_member
        created = c.created
        out.append(
            f'  <li id="kommentar-{c.id}">{c.body} <span class="muted">– <strong>{author}'
            f'</strong>, <time datetime="{escape(created.iso)}" title="{escape(created.title)}">'
            f"{escape(created.ago)}</time></span>\n"
        )
        if c.deletable:
            delete = _url("forum.confirm_delete_comment", comment_id=c.id)
            out.append(
                f'    <a class="quiet-link" href="{delete}">{w.delete_comment}<span'
                f' class="visually-hidden"> {w.comment_word}</span></a>\n'
            )
        out.append("  </li>\n")
    out.append("</ul>\n")
    return "".join(out)


def write_experts(facts: Mapping, marks: Mapping[str, Markup]) -> str:
    """forum/_experts.html: "Who can answer?" from its facts (``post_parts.experts_part``)."""
    _ = catalogue().ugettext
    if not facts["experts"]:
        return f'  <p class="muted">{_("Ingen har skrivit att de kan frågans ämnen än.")}</p>'
    csrf, question_id = str(marks["csrf"]), facts["question_id"]
    intro = _("De har svarat bra på liknande frågor, eller kan ämnet. Tryck på Be om svar, så får "
              "personen en notis.")  # fmt: skip
    out = [f'  <p class="muted">{intro}</p>\n  <ul class="list-plain experts">\n']
    for expert in facts["experts"]:
        person = expert.person
        name = escape(person.name)
        out.append(
            f'    <li class="expert">\n      {avatar(person)}\n      <p>\n'
            f'        <a class="post-author" href="{_url("directory.person", user_id=person.id)}">'
            f"{name}</a>\n"
        )
        if person.municipality:
            town = person.municipality
            place = official_place(town.scb_code, town.name, current_locale())
            out.append(f'<span class="muted">{escape(place)}</span>')
        out.append(f'        <span class="muted">{_track_record(expert)}</span>\n      </p>\n')
        if expert.asked:
            out.append(f'      <p class="asked">{_("Tillfrågad")}</p>\n')
        else:
            ask = _url("forum.ask_expert", question_id=question_id, user_id=person.id)
            from_whom = Markup(_("från %(name)s")) % {"name": person.name}  # noqa: S704
            out.append(
                f'      <form method="post" action="{ask}">\n'
                f'        <input type="hidden" name="csrf_token" value="{csrf}">\n'
                f'        <button type="submit" class="button-secondary">{_("Be om svar")}'
                f'<span class="visually-hidden"> {from_whom}</span></button>\n      </form>\n'
            )
        out.append("    </li>\n")
    out.append("  </ul>")
    return "".join(out)


def _track_record(expert) -> str:
    ngettext = catalogue().ungettext
    said = []
    if expert.solved:
        text = ngettext("%(num)s svar blev lösningen", "%(num)s svar blev lösningen", expert.solved)
        said.append(text % {"num": expert.solved})
    if expert.helped:
        text = ngettext("%(num)s svar hjälpte någon", "%(num)s svar hjälpte någon", expert.helped)
        said.append(text % {"num": expert.helped})
    return " · ".join(said) or catalogue().ugettext("Kan ämnet, enligt sin profil")
