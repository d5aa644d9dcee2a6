"""The admin area under ``/admin``: reference data, networks, forum categories and accounts.

Every route needs ``Permission.ADMIN``: the check runs before each request of the blueprint,
so a new route cannot forget it. Views parse, load, call a rule in ``operations`` and render;
the edge (``hub/core/edge.py``) commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from hub.admin import operations as ops
from hub.admin.forms import (
    AccountSearchForm,
    CategoryForm,
    CoordinatorForm,
    EmailDomainForm,
    MunicipalityForm,
    MunicipalityNameForm,
    NetworkForm,
    NetworkMemberForm,
    RegionForm,
    RoleForm,
    SignInTenantForm,
    UnitForm,
    role_choices,
)
from hub.auth import accounts as account_rules
from hub.auth import identities, tenants
from hub.auth.permissions import Permission, require
from hub.core.edge import run_form
from hub.core.i18n import translated
from hub.core.pagination import page_number
from hub.core.rules import RuleError
from hub.directory import municipalities as municipality_rules
from hub.directory.models import Municipality, Unit
from hub.extensions import db
from hub.forum import categories as category_rules
from hub.forum.models import Category
from hub.meetings import networks as network_rules
from hub.meetings.models import Network

bp = Blueprint("admin", __name__, url_prefix="/admin")
T = TypeVar("T")


@bp.before_request
@require(Permission.ADMIN)
def check_admin() -> None:
    """Anonymous visitors go to login, everyone else without the right gets 403."""


@bp.context_processor
def role_names() -> dict:
    return {"role_names": dict(role_choices())}


def apply_form(form: FlaskForm, change: Callable[[], T], done: Callable[[T], str]) -> bool:
    """For a submitted, valid form: run ``change`` (a rule) and flash ``done(result)``. When the
    rule says no, its writes are undone (a loaded row shows its stored values again), its
    message goes next to its field and, as for an invalid form, the answer is False."""
    outcome = run_form(form, change)
    if outcome:
        flash(done(outcome.value), "info")
    return bool(outcome)


def invalid(html: str) -> tuple[str, int]:
    return html, 400


def form_on_page(
    form: FlaskForm,
    change: Callable[[], T],
    done: Callable[[T], str],
    back: str,
    page: Callable[[], str],
):
    """A form on ``page``: the rule runs and the answer goes ``back``; otherwise the page again
    with the form's messages (400 once the form was sent)."""
    if apply_form(form, change, done):
        return redirect(back)
    html = page()
    return invalid(html) if form.is_submitted() else html


def after_removal(found: T | None, message: Callable[[T], str], back: str):
    """404 when there was nothing to remove, otherwise the message and back."""
    if found is None:
        abort(404)
    flash(message(found), "info")
    return redirect(back)


@bp.get("")
def index():
    return render_template("admin/index.html", counts=ops.count_everything())


# --- Municipalities and regions ----------------------------------------------------------------


def load_municipality(code: str) -> Municipality:
    municipality = ops.get_municipality(code) if code.isascii() and code.isdigit() else None
    if municipality is None:
        abort(404)
    return municipality


@bp.get("/kommuner")
def municipalities():
    return render_template(
        "admin/municipalities.html", regions=ops.list_regions_with_municipalities()
    )


@bp.route("/lan/ny", methods=["GET", "POST"])
def region_new():
    form = RegionForm()
    if apply_form(
        form,
        lambda: municipality_rules.create_region(form.code.data, form.name.data),
        lambda region: _("Länet %(name)s är tillagt.", name=region.name),
    ):
        return redirect(url_for("admin.municipalities"))
    html = render_template("admin/region_new.html", form=form)
    return invalid(html) if form.is_submitted() else html


@bp.route("/kommuner/ny", methods=["GET", "POST"])
def municipality_new():
    form = MunicipalityForm()
    form.region_code.choices = [("", _("Välj län"))] + [
        (r.code, translated(r.name)) for r in ops.list_regions()
    ]
    if request.method == "GET" and request.args.get("lan"):
        form.region_code.data = request.args["lan"]
    if apply_form(
        form,
        lambda: municipality_rules.create_municipality(
            form.scb_code.data, form.name.data, form.region_code.data
        ),
        lambda municipality: _("Kommunen %(name)s är tillagd.", name=municipality.name),
    ):
        return redirect(url_for("admin.municipality", code=form.scb_code.data))
    html = render_template("admin/municipality_new.html", form=form)
    return invalid(html) if form.is_submitted() else html


def municipality_page(municipality: Municipality, **forms: FlaskForm) -> str:
    name_form = forms.get("name_form") or MunicipalityNameForm(
        prefix="kommun", obj=municipality, formdata=None
    )
    return render_template(
        "admin/municipality.html",
        municipality=municipality,
        name_form=name_form,
        domain_form=forms.get("domain_form") or EmailDomainForm(prefix="doman", formdata=None),
        unit_form=forms.get("unit_form") or UnitForm(prefix="enhet", formdata=None),
        tenant_form=forms.get("tenant_form")
        or SignInTenantForm(prefix="inloggning", formdata=None),
        tenants=tenants.list_sign_in_tenants(municipality),
        units=sorted(municipality.units, key=lambda u: u.name.lower()),
        domains=sorted(municipality.email_domains, key=lambda d: d.domain),
    )


@bp.get("/kommuner/<code>")
def municipality(code: str):
    return municipality_page(load_municipality(code))


@bp.post("/kommuner/<code>")
def municipality_rename(code: str):
    municipality = load_municipality(code)
    form = MunicipalityNameForm(prefix="kommun")
    return form_on_page(
        form,
        lambda: municipality_rules.rename_municipality(municipality, form.name.data),
        lambda _renamed: _("Namnet är sparat."),
        url_for("admin.municipality", code=code),
        lambda: municipality_page(municipality, name_form=form),
    )


@bp.post("/kommuner/<code>/domaner")
def domain_add(code: str):
    municipality = load_municipality(code)
    form = EmailDomainForm(prefix="doman")
    return form_on_page(
        form,
        lambda: municipality_rules.add_email_domain(municipality, form.domain.data),
        lambda added: _("Domänen %(domain)s är tillagd.", domain=added.domain),
        url_for("admin.municipality", code=code),
        lambda: municipality_page(municipality, domain_form=form),
    )


@bp.post("/kommuner/<code>/domaner/<domain>/ta-bort")
def domain_remove(code: str, domain: str):
    municipality = load_municipality(code)
    if not municipality_rules.remove_email_domain(municipality, domain):
        abort(404)
    flash(_("Domänen %(domain)s är borttagen.", domain=domain), "info")
    return redirect(url_for("admin.municipality", code=code))


@bp.post("/kommuner/<code>/inloggning")
def tenant_add(code: str):
    municipality = load_municipality(code)
    form = SignInTenantForm(prefix="inloggning")
    return form_on_page(
        form,
        lambda: tenants.add_sign_in_tenant(municipality, form.kind.data, form.key.data),
        lambda added: _("%(key)s är tillagd.", key=added.key),
        url_for("admin.municipality", code=code) + "#inloggning",
        lambda: municipality_page(municipality, tenant_form=form),
    )


@bp.post("/kommuner/<code>/inloggning/<int:tenant_id>/ta-bort")
def tenant_remove(code: str, tenant_id: int):
    municipality = load_municipality(code)
    removed = tenants.remove_sign_in_tenant(municipality, tenant_id)
    return after_removal(
        removed,
        lambda removed: _("%(key)s är borttagen.", key=removed.key),
        url_for("admin.municipality", code=code) + "#inloggning",
    )


@bp.post("/kommuner/<code>/enheter")
def unit_add(code: str):
    municipality = load_municipality(code)
    form = UnitForm(prefix="enhet")
    return form_on_page(
        form,
        lambda: municipality_rules.add_unit(municipality, form.name.data),
        lambda added: _("Enheten %(name)s är tillagd.", name=added.name),
        url_for("admin.municipality", code=code),
        lambda: municipality_page(municipality, unit_form=form),
    )


def load_unit(code: str, unit_id: int) -> tuple[Municipality, Unit]:
    municipality = load_municipality(code)
    unit = municipality_rules.get_unit(municipality, unit_id)
    if unit is None:
        abort(404)
    return municipality, unit


@bp.route("/kommuner/<code>/enheter/<int:unit_id>", methods=["GET", "POST"])
def unit(code: str, unit_id: int):
    municipality, unit = load_unit(code, unit_id)
    form = UnitForm(obj=unit)
    if apply_form(
        form,
        lambda: municipality_rules.rename_unit(unit, municipality, form.name.data),
        lambda _renamed: _("Enheten heter nu %(name)s.", name=unit.name),
    ):
        return redirect(url_for("admin.municipality", code=code))
    html = render_template(
        "admin/unit.html",
        municipality=municipality,
        unit=unit,
        form=form,
        in_use=municipality_rules.unit_in_use(unit),
    )
    return invalid(html) if form.is_submitted() else html


@bp.post("/kommuner/<code>/enheter/<int:unit_id>/ta-bort")
def unit_remove(code: str, unit_id: int):
    municipality, unit = load_unit(code, unit_id)
    name = unit.name
    if not municipality_rules.remove_unit(unit):
        html = render_template(
            "admin/unit.html",
            municipality=municipality,
            unit=unit,
            form=UnitForm(obj=unit),
            in_use=True,
        )
        return html, 409
    flash(_("Enheten %(name)s är borttagen.", name=name), "info")
    return redirect(url_for("admin.municipality", code=code))


# --- Networks ------------------------------------------------------------------------------


def load_network(network_id: int) -> Network:
    network = ops.get_network(network_id)
    if network is None:
        abort(404)
    return network


@bp.get("/natverk")
def networks():
    return render_template("admin/networks.html", networks=ops.list_networks())


@bp.route("/natverk/ny", methods=["GET", "POST"])
def network_new():
    form = NetworkForm()
    created: Network | None = None

    def create() -> Network:
        nonlocal created
        created = network_rules.create_network(
            form.name.data, form.slug.data, form.description.data, form.rhythm_months.data
        )
        return created

    if apply_form(
        form, create, lambda network: _("Nätverket %(name)s är skapat.", name=network.name)
    ):
        return redirect(url_for("admin.network", network_id=created.id))
    html = render_template("admin/network_new.html", form=form)
    return invalid(html) if form.is_submitted() else html


def network_page(network: Network, **forms: FlaskForm) -> str:
    members = network_rules.rotation(network)
    member_form = forms.get("member_form") or NetworkMemberForm(prefix="medlem", formdata=None)
    taken = {m.municipality_code for m in members if m.active}
    member_form.municipality_code.choices = [
        ("", _("Välj kommun")),
        *ops.municipality_choices(exclude=taken),
    ]
    return render_template(
        "admin/network.html",
        network=network,
        members=members,
        active_count=len(taken),
        form=forms.get("form") or NetworkForm(prefix="natverk", obj=network, formdata=None),
        member_form=member_form,
        coordinator_form=forms.get("coordinator_form")
        or CoordinatorForm(prefix="samordnare", formdata=None),
        coordinators=sorted(network.coordinators, key=lambda u: u.name.lower()),
    )


@bp.get("/natverk/<int:network_id>")
def network(network_id: int):
    return network_page(load_network(network_id))


@bp.post("/natverk/<int:network_id>")
def network_update(network_id: int):
    network = load_network(network_id)
    form = NetworkForm(prefix="natverk")
    if apply_form(
        form,
        lambda: network_rules.update_network(
            network, form.name.data, form.slug.data, form.description.data, form.rhythm_months.data
        ),
        lambda _saved: _("Nätverket är sparat."),
    ):
        return redirect(url_for("admin.network", network_id=network_id))
    network = load_network(network_id)
    return invalid(network_page(network, form=form))


@bp.post("/natverk/<int:network_id>/kommuner")
def member_add(network_id: int):
    network = load_network(network_id)
    form = NetworkMemberForm(prefix="medlem")
    return form_on_page(
        form,
        lambda: network_rules.add_network_member(
            network, form.municipality_code.data, current_user
        ),
        lambda _added: _("Kommunen är med i nätverket."),
        url_for("admin.network", network_id=network_id) + "#rotation",
        lambda: network_page(network, member_form=form),
    )


def load_member(network_id: int, code: str):
    network = load_network(network_id)
    member = network_rules.find_member(network, code)
    if member is None:
        abort(404)
    return network, member


@bp.post("/natverk/<int:network_id>/kommuner/<code>/flytta")
def member_move(network_id: int, code: str):
    network, member = load_member(network_id, code)
    steps = {"upp": -1, "ned": 1}
    step = steps.get(request.form.get("riktning", ""))
    if step is None:
        abort(400)
    network_rules.move_network_member(network, member, step)
    return redirect(url_for("admin.network", network_id=network_id) + "#rotation")


@bp.post("/natverk/<int:network_id>/kommuner/<code>/ta-bort")
def member_remove(network_id: int, code: str):
    network, member = load_member(network_id, code)
    if not member.active:
        abort(404)
    outcome = network_rules.remove_network_member(network, member, current_user)
    if outcome == "deactivated":
        flash(_("Kommunen har lämnat rotationen. Dess historik finns kvar."), "info")
    else:
        flash(_("Kommunen är borttagen ur nätverket."), "info")
    return redirect(url_for("admin.network", network_id=network_id) + "#rotation")


@bp.post("/natverk/<int:network_id>/samordnare")
def coordinator_add(network_id: int):
    network = load_network(network_id)
    form = CoordinatorForm(prefix="samordnare")
    return form_on_page(
        form,
        lambda: network_rules.add_coordinator(network, form.email.data),
        lambda user: _("%(name)s är samordnare för nätverket.", name=user.name),
        url_for("admin.network", network_id=network_id) + "#samordnare",
        lambda: network_page(network, coordinator_form=form),
    )


@bp.post("/natverk/<int:network_id>/samordnare/<int:user_id>/ta-bort")
def coordinator_remove(network_id: int, user_id: int):
    network = load_network(network_id)
    user = network_rules.remove_coordinator(network, user_id)
    return after_removal(
        user,
        lambda user: _("%(name)s är inte längre samordnare för nätverket.", name=user.name),
        url_for("admin.network", network_id=network_id) + "#samordnare",
    )


# --- Forum categories --------------------------------------------------------------------------


def load_category(category_id: int) -> Category:
    return db.get_or_404(Category, category_id)


@bp.get("/kategorier")
def categories():
    return render_template("admin/categories.html", categories=ops.list_categories())


def save_category_form(category: Category | None):
    form = CategoryForm(obj=category)
    if apply_form(
        form,
        lambda: category_rules.save_category(
            category, form.name.data, form.slug.data, form.description.data, form.position.data
        ),
        lambda saved: _("Kategorin %(name)s är sparad.", name=saved.name),
    ):
        return redirect(url_for("admin.categories"))
    category = category and load_category(category.id)
    html = render_template("admin/category_form.html", form=form, category=category)
    return invalid(html) if form.is_submitted() else html


@bp.route("/kategorier/ny", methods=["GET", "POST"])
def category_new():
    return save_category_form(None)


@bp.route("/kategorier/<int:category_id>", methods=["GET", "POST"])
def category_edit(category_id: int):
    return save_category_form(load_category(category_id))


@bp.post("/kategorier/<int:category_id>/ta-bort")
def category_delete(category_id: int):
    category = load_category(category_id)
    name = category.name
    if not category_rules.delete_category(category):
        html = render_template(
            "admin/category_form.html",
            form=CategoryForm(obj=category, formdata=None),
            category=category,
            delete_refused=True,
        )
        return html, 409
    flash(_("Kategorin %(name)s är borttagen.", name=name), "info")
    return redirect(url_for("admin.categories"))


# --- Accounts ----------------------------------------------------------------------------------


@bp.get("/konton")
def accounts():
    form = AccountSearchForm(request.args)
    query = ops.search_accounts_query(form.q.data or "", form.role.data or "")
    page = db.paginate(
        query, page=page_number(), per_page=ops.ACCOUNTS_PER_PAGE, error_out=False, count=True
    )
    args = {k: v for k, v in (("q", form.q.data), ("role", form.role.data)) if v}
    return render_template("admin/accounts.html", form=form, page=page, args=args)


def load_account(user_id: int):
    user = ops.get_account(user_id)
    if user is None:
        abort(404)
    return user


def account_page(user, role_form: RoleForm | None = None, action_error: str = "") -> str:
    return render_template(
        "admin/account.html",
        account=user,
        linked_identities=identities.identities_of(user),
        role_form=role_form or RoleForm(obj=user, formdata=None),
        action_error=action_error,
    )


@bp.get("/konton/<int:user_id>")
def account(user_id: int):
    return account_page(load_account(user_id))


@bp.post("/konton/<int:user_id>/kommunkonto/<int:identity_id>/ta-bort")
def account_identity_remove(user_id: int, identity_id: int):
    user = load_account(user_id)
    removed = identities.do_remove(user, identity_id)
    return after_removal(
        removed,
        lambda removed: _("Kopplingen till %(label)s är borttagen.", label=removed.label),
        url_for("admin.account", user_id=user_id),
    )


@bp.post("/konton/<int:user_id>/roll")
def account_role(user_id: int):
    user = load_account(user_id)
    form = RoleForm()
    return form_on_page(
        form,
        lambda: account_rules.change_role(user, form.role.data),
        lambda _changed: _("Rollen är ändrad."),
        url_for("admin.account", user_id=user_id),
        lambda: account_page(user, role_form=form),
    )


@bp.post("/konton/<int:user_id>/inaktivera")
def account_deactivate(user_id: int):
    user = load_account(user_id)
    try:
        account_rules.deactivate_account(user, current_user)
    except RuleError as error:
        return account_page(user, action_error=error.message), 409
    flash(_("Kontot är inaktiverat och alla dess inloggningar är avslutade."), "info")
    return redirect(url_for("admin.account", user_id=user_id))


@bp.post("/konton/<int:user_id>/aktivera")
def account_reactivate(user_id: int):
    user = load_account(user_id)
    account_rules.reactivate_account(user)
    flash(_("Kontot är aktivt igen."), "info")
    return redirect(url_for("admin.account", user_id=user_id))
