"""The rules for regions, municipalities, their e-mail domains and their units: the only writer of
those tables after the reference data is loaded (``reference.py``). The admin area calls them.

Functions flush, never commit. A broken rule raises ``RuleError`` at the form field the message
belongs next to, so a duplicate is a message, not a 500.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import exists, func, select

from hub.auth.models import User
from hub.core.db import delete_owned, flush_unique
from hub.core.kept import drop_kept
from hub.core.rules import RuleError
from hub.directory.models import EmailDomain, Municipality, Region, Unit
from hub.extensions import db

# A host name of at least two labels, each 1–63 letters, digits or inner hyphens, ending in a
# letter-only top-level label; the same rule mail servers apply to domains.
DOMAIN_RE = re.compile(r"^(?=.{4,120}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def create_region(code: str, name: str) -> Region:
    duplicate = _("Det finns redan ett län med koden %(code)s.", code=code)
    if db.session.get(Region, code) is not None:
        raise RuleError(duplicate, field="code")
    if db.session.scalar(select(exists().where(func.lower(Region.name) == name.lower()))):
        raise RuleError(_("Det finns redan ett län som heter %(name)s.", name=name), field="name")
    region = Region(code=code, name=name)
    db.session.add(region)
    flush_unique("code", duplicate)
    drop_kept()
    return region


def create_municipality(scb_code: str, name: str, region_code: str) -> Municipality:
    duplicate = _("Det finns redan en kommun med koden %(code)s.", code=scb_code)
    if db.session.get(Municipality, scb_code) is not None:
        raise RuleError(duplicate, field="scb_code")
    if db.session.get(Region, region_code) is None:
        raise RuleError(_("Välj ett län i listan."), field="region_code")
    municipality = Municipality(scb_code=scb_code, name=name, region_code=region_code)
    db.session.add(municipality)
    flush_unique("scb_code", duplicate)
    drop_kept()
    return municipality


def rename_municipality(municipality: Municipality, name: str) -> None:
    municipality.name = name
    db.session.flush()
    drop_kept()


def normalise_domain(domain: str) -> str:
    return domain.strip().lower().removeprefix("@").rstrip(".")


def check_domain(domain: str) -> None:
    if not DOMAIN_RE.match(domain):
        raise RuleError(
            _("Skriv en domän som kungsbacka.se, utan @ och utan mellanslag."), field="domain"
        )


def add_email_domain(municipality: Municipality, raw_domain: str) -> EmailDomain:
    """People who sign up with an address at ``raw_domain`` belong to ``municipality``."""
    domain = normalise_domain(raw_domain)
    check_domain(domain)
    existing = db.session.get(EmailDomain, domain)
    if existing is not None:
        raise RuleError(
            _(
                "Domänen %(domain)s hör redan till kommun nummer %(code)s.",
                domain=domain,
                code=existing.municipality_code,
            ),
            field="domain",
        )
    email_domain = EmailDomain(domain=domain, municipality_code=municipality.scb_code)
    db.session.add(email_domain)
    flush_unique("domain", _("Domänen finns redan."))
    return email_domain


def remove_email_domain(municipality: Municipality, domain: str) -> bool:
    removed = delete_owned(
        EmailDomain, domain, lambda row: row.municipality_code == municipality.scb_code
    )
    return removed is not None


def get_unit(municipality: Municipality, unit_id: int) -> Unit | None:
    unit = db.session.get(Unit, unit_id)
    return unit if unit is not None and unit.municipality_code == municipality.scb_code else None


def check_unit_name_free(municipality: Municipality, name: str, unit: Unit | None = None) -> None:
    query = select(Unit.id).where(
        Unit.municipality_code == municipality.scb_code, func.lower(Unit.name) == name.lower()
    )
    if unit is not None:
        query = query.where(Unit.id != unit.id)
    if db.session.scalar(query) is not None:
        raise RuleError(
            _("Kommunen har redan en enhet som heter %(name)s.", name=name), field="name"
        )


def add_unit(municipality: Municipality, name: str) -> Unit:
    check_unit_name_free(municipality, name)
    unit = Unit(municipality_code=municipality.scb_code, name=name)
    db.session.add(unit)
    db.session.flush()
    return unit


def rename_unit(unit: Unit, municipality: Municipality, name: str) -> None:
    check_unit_name_free(municipality, name, unit)
    unit.name = name
    db.session.flush()


def unit_in_use(unit: Unit) -> bool:
    return bool(db.session.scalar(select(exists().where(User.unit_id == unit.id))))


def remove_unit(unit: Unit) -> bool:
    """Only an unused unit goes; people who name it as their workplace keep it."""
    if unit_in_use(unit):
        return False
    db.session.delete(unit)
    db.session.flush()
    return True
