"""Rules for accounts: sign-up, confirmation, login, password and email changes, sessions.

Functions flush but never commit; the view commits once. Anything that sends mail to an address
typed by someone else is rate limited per address and answers the same way whatever happens, so
nothing here tells a stranger whether an address has an account.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from hub.auth import tokens, twofactor
from hub.auth.last_seen import mark_seen
from hub.auth.models import Role, User
from hub.auth.onboarding import send_welcome
from hub.auth.passwords import hash_password, verify_password
from hub.core import ratelimit
from hub.core.db import mapped_columns, persistent_from_row, utcnow
from hub.core.driver_rows import DriverStatement
from hub.core.guards import ascii_int
from hub.core.links import absolute_url
from hub.core.rules import Conflict, RuleError
from hub.directory.models import EmailDomain
from hub.extensions import db
from hub.mail.outbox import queue_email
from hub.notifications.unread import UNREAD_COLUMN, keep_unread

# Rate limits: (how many, per seconds).
LOGIN_IP_LIMITS = ((6, 60), (30, 3600))
# Failed passwords per (address, IP): a stranger elsewhere cannot lock the owner out.
LOGIN_FAILURE_LIMITS = ((5, 30 * 60),)
# Failed passwords for an address from anywhere: past this ceiling the address slows down to
# one attempt per SLOW_DOWN seconds instead of locking; a sign-in link by mail always works.
ADDRESS_FAILURE_CEILING = ((30, 3600),)
ADDRESS_SLOW_DOWN = ((1, 20),)
MAIL_ADDRESS_LIMITS = ((2, 3600), (5, 24 * 3600))

# Verifying against a real hash when the account does not exist keeps the timing the same,
# so login does not tell whether an address has an account.
_DUMMY_HASH: dict[str, str] = {}


class LoginOutcome(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    THROTTLED = "throttled"
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


# Made by migrations, not by the models (0036: lower(email) on PostgreSQL, for the lookup
# below); autogenerate's comparison leaves them out.
EXPRESSION_INDEXES = frozenset({"ix_user_email_lower"})


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


# --- login -----------------------------------------------------------------------------------


def authenticate(email: str, password: str) -> User | None:
    user = find_user_by_email(email)
    if user is None:
        _DUMMY_HASH.setdefault("hash", hash_password("not-a-real-password"))
        verify_password(_DUMMY_HASH["hash"], password)
        return None
    # The hash is checked first, so a deactivated account takes as long as any other.
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    return user


def login_ip_limits() -> ratelimit.Limits:
    # Configurable: a whole municipality may sit behind one NAT address.
    return current_app.config.get("LOGIN_IP_LIMITS") or LOGIN_IP_LIMITS


def check_login_throttle(ip: str, email: str, *, step: str = "password") -> bool:
    """Record a login attempt from ``ip``; True when this IP or this address must wait.

    The password step and the code step count separately, so that signing in with two-factor
    does not use up two attempts.
    """
    scope = "login-ip" if step == "password" else f"login-ip-{step}"
    if ratelimit.hit(scope, ip, login_ip_limits()):
        return True
    address = normalise_email(email)
    if ratelimit.is_limited("login-failure", failure_key(address, ip), LOGIN_FAILURE_LIMITS):
        return True
    if ratelimit.is_limited("login-failure-address", address, ADDRESS_FAILURE_CEILING):
        return not ratelimit.allow(f"login-slow-{step}", address, ADDRESS_SLOW_DOWN)
    return False


def failure_key(email: str, ip: str) -> str:
    return f"{normalise_email(email)}|{ip}"


def record_login_failure(email: str, ip: str) -> None:
    ratelimit.record("login-failure", failure_key(email, ip))
    ratelimit.record("login-failure-address", normalise_email(email))


def record_login_success(user: User, ip: str | None = None) -> None:
    # The owner got in: their earlier failures (a forgotten password) no longer count.
    ratelimit.clear("login-failure", failure_key(user.email, ip or ratelimit.client_ip()))
    mark_seen(user)


def attempt_login(ip: str, email: str, password: str) -> LoginResult:
    """The password step. Throttling is keyed by the typed address, existing or not."""
    if check_login_throttle(ip, email):
        return LoginResult(LoginOutcome.THROTTLED)
    user = authenticate(email, password)
    if user is None:
        record_login_failure(email, ip)
        return LoginResult(LoginOutcome.WRONG)
    if user.email_confirmed_at is None:
        return LoginResult(LoginOutcome.UNCONFIRMED, user)
    return LoginResult(LoginOutcome.OK, user)


def end_all_sessions(user: User) -> None:
    """Every cookie of the account, remember-me included, stops working."""
    user.session_version += 1


# Built once: every signed-in request runs it, and building a statement costs more than running it.
# The header's unread count comes along: one statement, not two, on every page. A Core statement
# with the mapped columns, not ``select(User)``: the ORM's query machinery cost as much again as
# the statement itself (issue 17); the instance is made from the row (``persistent_from_row``).
# Sent on the driver's cursor (``DriverStatement``): SQLAlchemy's execution cost as much again.
USER_BY_ID = DriverStatement(
    lambda: select(*mapped_columns(User), UNREAD_COLUMN).where(User.id == bindparam("user_id"))
)


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the id carries the session version (see ``User.get_id``)."""
    raw_id, _, raw_version = user_id.partition(":")
    found_id, version = ascii_int(raw_id), ascii_int(raw_version)
    if found_id is None or version is None:
        return None
    row = next(iter(USER_BY_ID.rows({"user_id": found_id})), None)
    if row is None or row.session_version != version or not row.active:
        return None
    keep_unread(row.unread_notifications)
    return persistent_from_row(User, row)


# --- role and access (the admin area) ------------------------------------------------------


def locked_admin_ids() -> list[int]:
    """The active admins, their rows locked: two admins demoting each other at once must not
    leave none (PostgreSQL)."""
    query = select(User.id).where(User.role == Role.ADMIN, User.active.is_(True))
    return list(db.session.scalars(query.with_for_update()))


def check_not_last_admin(user: User) -> None:
    if user.role == Role.ADMIN and user.active and locked_admin_ids() == [user.id]:
        raise RuleError(
            _("Du är den enda administratören. Gör någon annan till administratör först."),
            field="role",
        )


def change_role(user: User, role: str) -> None:
    if role not in set(Role):
        raise RuleError(_("Välj en roll i listan."), field="role")
    if role != Role.ADMIN:
        check_not_last_admin(user)
    user.role = role
    db.session.flush()


def promote_to_coordinator(user: User) -> None:
    """A member who coordinates a network gets the coordinator role; admins stay admins."""
    if user.role == Role.MEMBER:
        user.role = Role.COORDINATOR


def deactivate_account(user: User, by_user: User) -> None:
    """The account can no longer sign in, and every session of it ends now."""
    if user.id == by_user.id:
        raise RuleError(_("Du kan inte inaktivera ditt eget konto."), field="active")
    check_not_last_admin(user)
    user.active = False
    end_all_sessions(user)
    db.session.flush()


def reactivate_account(user: User) -> None:
    user.active = True
    db.session.flush()


# --- sign-up and confirmation ----------------------------------------------------------------


def mail_allowed(kind: str, address: str) -> bool:
    """Count one mail of ``kind`` to ``address``; False past the limit (then send nothing)."""
    return ratelimit.allow(f"mail:{kind}", normalise_email(address), MAIL_ADDRESS_LIMITS)


def email_domain(email: str) -> str:
    return normalise_email(email).rpartition("@")[2]


def find_municipality_for_email(email: str) -> str | None:
    """The municipality whose work domain the address is in; sub-domains count
    (``omsorg.kungsbacka.se`` belongs to ``kungsbacka.se``)."""
    labels = email_domain(email).split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    if not candidates:
        return None
    rows = db.session.execute(
        select(EmailDomain.domain, EmailDomain.municipality_code).where(
            func.lower(EmailDomain.domain).in_(candidates)
        )
    ).all()
    by_domain = {domain.lower(): code for domain, code in rows}
    # The most specific domain wins when both a domain and its parent are listed.
    return next((by_domain[c] for c in candidates if c in by_domain), None)


def create_account(
    *, email: str, name: str, password: str, municipality_code: str | None, confirmed: bool
) -> User:
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=hash_password(password),
        municipality_code=municipality_code,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def sign_up_by_email(*, email: str, name: str, password: str) -> None:
    """Self sign-up with a work address of a municipality that allows it."""
    code = find_municipality_for_email(email)
    if code is None:
        raise RuleError(
            _(
                "Din kommun kan inte skapa konton själv i Stafetten än. "
                "Be om att få gå med, så hör samordnarna av sig."
            ),
            field="email",
        )
    do_sign_up(email=email, name=name, password=password, municipality_code=code)


def do_sign_up(*, email: str, name: str, password: str, municipality_code: str) -> None:
    """Self sign-up. The answer is the same whether or not the address has an account."""
    existing = find_user_by_email(email)
    if existing is not None:
        hash_password(password)  # the same work as a real sign-up, so timing tells nothing
        if not mail_allowed("signup", email):
            return
        if existing.email_confirmed_at is None:
            send_confirmation(existing)  # signing up again usually means the mail got lost
        else:
            queue_email(
                "account_exists",
                existing.email,
                user_id=existing.id,
                name=existing.name,
                login_url=absolute_url("auth.login"),
                reset_url=absolute_url("auth.forgot_password"),
            )
        return
    if not mail_allowed("signup", email):
        return
    user = create_account(
        email=email,
        name=name,
        password=password,
        municipality_code=municipality_code,
        confirmed=False,
    )
    send_confirmation(user)


def send_confirmation(user: User) -> None:
    token = tokens.make_token(tokens.CONFIRM_EMAIL, {"u": user.id, "e": user.email})
    queue_email(
        "confirm_email",
        user.email,
        user_id=user.id,
        name=user.name,
        confirm_url=absolute_url("auth.confirm_email", token=token),
    )


def do_resend_confirmation(email: str) -> None:
    user = find_user_by_email(email)
    if user is None or user.email_confirmed_at is not None or not user.active:
        return
    if mail_allowed("confirm", email):
        send_confirmation(user)


def user_for_confirmation(token: str) -> User:
    """The account a confirmation link is for; TokenExpired/TokenInvalid otherwise."""
    payload = tokens.read_token(tokens.CONFIRM_EMAIL, token)
    user = db.session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if user is None or user.email != payload.get("e") or not user.active:
        raise tokens.TokenInvalid
    return user


def do_confirm_email(user: User) -> bool:
    """Mark the address confirmed; False when it already was (a link followed twice)."""
    if user.email_confirmed_at is not None:
        return False
    mark_confirmed(user)
    return True


def mark_confirmed(user: User) -> None:
    """The address is proved for the first time: the account is confirmed and welcomed."""
    user.email_confirmed_at = utcnow()
    send_welcome(user)


# --- password reset and changes --------------------------------------------------------------


def password_fingerprint(user: User) -> str:
    # Changes as soon as the password or the session version does: a used link dies.
    return tokens.fingerprint(user.id, user.password_hash, user.session_version)


def password_only_fingerprint(user: User) -> str:
    # Changes with the password but not at sign-out, so that a change-of-address link still
    # works after signing out, and dies when the owner changes a password someone else knew.
    return tokens.fingerprint("email-change", user.id, user.password_hash)


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address has an active account; silent otherwise."""
    if not mail_allowed("reset", email):
        return
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    token = tokens.make_token(
        tokens.RESET_PASSWORD, {"u": user.id, "f": password_fingerprint(user)}
    )
    queue_email(
        "password_reset",
        user.email,
        user_id=user.id,
        name=user.name,
        reset_url=absolute_url("auth.reset_password", token=token),
    )


def request_login_link(email: str) -> None:
    """Mail a sign-in link: the way in when someone else's wrong guesses slow the address
    down. Silent, and limited per address, like the reset link."""
    if not mail_allowed("login_link", email):
        return
    user = find_user_by_email(email)
    if user is None or not user.active or user.email_confirmed_at is None:
        return
    token = tokens.make_token(tokens.LOGIN_LINK, {"u": user.id, "f": password_fingerprint(user)})
    queue_email(
        "login_link",
        user.email,
        user_id=user.id,
        name=user.name,
        login_url=absolute_url("auth.login_by_link", token=token),
    )


def user_for_login_link(token: str) -> User:
    """The account a sign-in link is for; it dies with a password change or a sign-out."""
    payload = tokens.read_token(tokens.LOGIN_LINK, token)
    user = db.session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if user is None or not user.active:
        raise tokens.TokenInvalid
    if payload.get("f") != password_fingerprint(user):
        raise tokens.TokenGone
    return user


def user_for_reset(token: str) -> User:
    payload = tokens.read_token(tokens.RESET_PASSWORD, token)
    user = db.session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if user is None or not user.active:
        raise tokens.TokenInvalid
    if payload.get("f") != password_fingerprint(user):
        raise tokens.TokenGone  # used already, or the password changed since
    return user


def set_password(user: User, password: str) -> None:
    """A new password ends every session of the account (the caller signs the current one in)."""
    user.password_hash = hash_password(password)
    end_all_sessions(user)


def send_security_notice(user: User, event: str) -> None:
    """Tell the owner about a change to how they sign in, so that a stranger's change shows.

    ``event``: "password_changed", "two_factor_on", "two_factor_off" or "recovery_codes".
    """
    queue_email(
        "security_notice",
        user.email,
        user_id=user.id,
        name=user.name,
        event=event,
        reset_url=absolute_url("auth.forgot_password"),
    )


def do_change_password(user: User, password: str) -> None:
    set_password(user, password)
    send_security_notice(user, "password_changed")


def do_reset_password(user: User, password: str) -> None:
    set_password(user, password)
    send_security_notice(user, "password_changed")
    # Following the link proved the address is theirs.
    if user.email_confirmed_at is None:
        mark_confirmed(user)
    ratelimit.clear("login-failure-address", user.email)


def check_current_password(user: User, password: str) -> bool:
    return verify_password(user.password_hash, password)


def confirm_with_password(user: User, password: str, *, field: str | None, message: str) -> None:
    """Changes to how a member signs in are confirmed with the current password."""
    if not check_current_password(user, password):
        raise RuleError(message, field=field)


def change_password(user: User, current_password: str, new_password: str) -> None:
    confirm_with_password(
        user, current_password, field="current_password", message=_("Lösenordet stämmer inte.")
    )
    do_change_password(user, new_password)


def change_email_with_password(user: User, password: str, new_email: str) -> None:
    confirm_with_password(
        user, password, field="email_password", message=_("Lösenordet stämmer inte.")
    )
    request_email_change(user, new_email)


def turn_on_two_factor(user: User, secret: str, code: str) -> list[str]:
    """Two-factor sign-in on, once ``code`` proves the app has ``secret``; the owner is told.
    Returns the recovery codes to show once."""
    codes = twofactor.enable_two_factor(user, secret, code)
    if codes is None:
        raise RuleError(
            _("Koden stämmer inte. Kontrollera att klockan i telefonen går rätt och försök igen."),
            field="code",
        )
    send_security_notice(user, "two_factor_on")
    return codes


def turn_off_two_factor(user: User, password: str) -> None:
    if current_app.config.get("REQUIRE_2FA_FOR_STAFF") and user.is_staff:
        raise RuleError(
            _("Samordnare och administratörer måste ha tvåstegsverifiering påslagen."),
            status=403,
        )
    confirm_with_password(
        user,
        password,
        field=None,
        message=_("Lösenordet stämmer inte. Tvåstegsverifieringen är fortfarande på."),
    )
    twofactor.disable_two_factor(user)
    send_security_notice(user, "two_factor_off")


def renew_recovery_codes(user: User, password: str) -> list[str]:
    confirm_with_password(
        user,
        password,
        field=None,
        message=_("Lösenordet stämmer inte. Dina gamla reservkoder gäller fortfarande."),
    )
    codes = twofactor.make_recovery_codes(user)
    send_security_notice(user, "recovery_codes")
    return codes


def request_email_change(user: User, new_email: str) -> None:
    """Mail a confirmation link to the new address; nothing if it already has an account."""
    new_email = normalise_email(new_email)
    if find_user_by_email(new_email) is not None or not mail_allowed("change", new_email):
        return
    token = tokens.make_token(
        tokens.CHANGE_EMAIL,
        {"u": user.id, "e": new_email, "old": user.email, "f": password_only_fingerprint(user)},
    )
    queue_email(
        "change_email",
        new_email,
        user_id=user.id,
        name=user.name,
        confirm_url=absolute_url("auth.confirm_email_change", token=token),
    )


def email_change_for(token: str) -> tuple[User, str]:
    """The account and its new address from a change link."""
    payload = tokens.read_token(tokens.CHANGE_EMAIL, token)
    user = db.session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    new_email = payload.get("e")
    if user is None or not user.active or not isinstance(new_email, str):
        raise tokens.TokenInvalid
    if user.email == new_email:
        return user, new_email  # done already: a link followed twice
    if user.email != payload.get("old"):
        raise tokens.TokenGone  # the address changed again since the link was made
    if payload.get("f") != password_only_fingerprint(user):
        raise tokens.TokenGone  # the password changed since: whoever asked may not be the owner
    return user, new_email


class EmailTaken(Conflict):
    """Someone else took the address between the request and the confirmation."""

    def __init__(self) -> None:
        super().__init__(_("Adressen används redan"))


def do_change_email(user: User, new_email: str) -> bool:
    """Switch to the new address; False when it was already done (a link followed twice)."""
    if user.email == new_email:
        return False
    owner = find_user_by_email(new_email)
    if owner is not None and owner.id != user.id:
        raise EmailTaken
    old_email = user.email
    user.email = new_email
    user.email_confirmed_at = utcnow()
    queue_email("email_changed", old_email, user_id=user.id, name=user.name, new_email=new_email)
    return True
