"""The start page and the accessibility report's form."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hub.core.edge import form_status, run_form
from hub.core.ratelimit import client_ip
from hub.site import layout, parts, reports
from hub.site.forms import AccessibilityReportForm
from hub.site.reports import submit_report
from hub.site.start import start_reads

bp = Blueprint("site", __name__)
bp.add_app_template_global(layout.site_page, "site_page")


@bp.get("/")
def start():
    # The member itself, not the proxy: the summaries read it ~20 times, each a look-up.
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return render_template("site/start.html")
    reads = start_reads(user)
    return render_template(
        "site/start.html",
        forum=reads.forum,
        baton_summary=reads.networks,
        coming=reads.coming,
        material_section=parts.material_section(reads.new_material),
        question_items=parts.question_items,
    )


@bp.route("/tillganglighet", methods=["GET", "POST"])
def accessibility():
    form = AccessibilityReportForm()
    done = run_form(
        form,
        lambda: submit_report(
            form.description.data, form.email.data or None, referring_path(), client_ip()
        ),
        field="description",
    )
    if done:
        flash(_("Tack! Vi har tagit emot din rapport."), "info")
        return redirect(url_for("site.accessibility"))
    status = form_status(form)
    headers = {"Retry-After": str(reports.RETRY_AFTER)} if status == 429 else {}
    return render_template("site/accessibility.html", form=form), status, headers


def referring_path() -> str | None:
    """The page on this site the report was sent from; another site's address is nobody's."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
