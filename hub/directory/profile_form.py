"""Between the profile form and the profile rules: choices, initial values, saving."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from hub.auth.models import User
from hub.core.i18n import translated
from hub.core.tags import parse_tag_names
from hub.directory import membership
from hub.directory.forms import ProfileForm
from hub.directory.models import (
    CareArea,
    Municipality,
    MunicipalityChange,
    Profile,
    RoleType,
    Unit,
    Visibility,
)
from hub.directory.photos import process_photo
from hub.directory.profiles import (
    ProfileChanges,
    load_own_profile,
    remove_photo,
    set_photo,
    update_profile,
)
from hub.extensions import db


def initial_data(user: User, profile: Profile | None, change: MunicipalityChange | None) -> dict:
    municipality, unit = (
        (change.to_code, change.unit_id) if change else (user.municipality_code, user.unit_id)
    )
    return {
        "name": user.name,
        "title": user.title,
        "role_type": user.role_type_slug or "",
        "municipality": municipality or "",
        "unit": str(unit) if unit else "",
        "care_areas": [area.slug for area in profile.care_areas] if profile else [],
        "workplace": profile.workplace if profile else "",
        "presentation": profile.presentation_source if profile else "",
        "expertise": ", ".join(tag.name for tag in profile.expertise) if profile else "",
        "work_phone": profile.work_phone if profile else "",
        "email_visibility": profile.email_visibility if profile else Visibility.MEMBERS.value,
        "phone_visibility": profile.phone_visibility if profile else Visibility.MEMBERS.value,
        "hidden_from_directory": profile.hidden_from_directory if profile else False,
    }


def prepare_profile_form(user: User) -> tuple[ProfileForm, Profile | None]:
    """The form with its choices, filled from the saved profile (or from what was posted)."""
    profile = load_own_profile(user.id)
    change = membership.pending_change(user.id)
    form = ProfileForm(data=initial_data(user, profile, change))
    form.pending_change = change
    none = [SelectChoice("", _("Ingen vald"))]
    role_types = db.session.scalars(select(RoleType).order_by(RoleType.position))
    form.role_type.choices = none + [SelectChoice(r.slug, translated(r.name)) for r in role_types]
    municipalities = db.session.scalars(select(Municipality).order_by(Municipality.name))
    form.municipality.choices = none + [SelectChoice(m.scb_code, m.name) for m in municipalities]
    units = list(
        db.session.scalars(select(Unit).options(joinedload(Unit.municipality)).order_by(Unit.name))
    )
    form.unit.choices = none + [
        SelectChoice(str(u.id), u.name, optgroup=u.municipality.name) for u in units
    ]
    form.units_by_municipality = {}
    for unit in units:
        form.units_by_municipality.setdefault(unit.municipality_code, set()).add(str(unit.id))
    care_areas = db.session.scalars(select(CareArea).order_by(CareArea.position))
    form.care_areas.choices = [SelectChoice(c.slug, translated(c.name)) for c in care_areas]
    return form, profile


def apply_profile_form(
    user: User, profile: Profile | None, form: ProfileForm, upload: bytes | None = None
) -> Profile:
    """Save the profile form; ``upload`` is a new photo as sent (checked and re-encoded here)."""
    jpeg = process_photo(upload) if upload is not None else None
    changes = ProfileChanges(
        name=" ".join(form.name.data.split()),
        title=(form.title.data or "").strip(),
        role_type_slug=form.role_type.data or None,
        care_area_slugs=list(form.care_areas.data or []),
        workplace=(form.workplace.data or "").strip(),
        presentation=form.presentation.data or "",
        expertise=parse_tag_names(form.expertise.data or ""),
        work_phone=" ".join((form.work_phone.data or "").split()),
        email_visibility=form.email_visibility.data,
        phone_visibility=form.phone_visibility.data,
        hidden_from_directory=bool(form.hidden_from_directory.data),
    )
    saved = update_profile(user, profile, changes)
    membership.choose_municipality(
        user, form.municipality.data or None, int(form.unit.data) if form.unit.data else None
    )
    if jpeg is not None:
        set_photo(saved, jpeg)
    elif form.remove_photo.data:
        remove_photo(saved)
    return saved
