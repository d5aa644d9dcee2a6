"""``flask hub simulate-relay``: years of a network's life in minutes, through the real code.

A throw-away SQLite database in a temporary directory gets the real migrations, the Halland and
Stockholm shapes (6 and 26 member municipalities, some without members) and simulated members.
A simulated clock (``hub.core.db.simulated_clock``) steps week by week; inside each week the
simulated people act day by day through the real rules (scheduling, polls, marking meetings held,
passing the baton) and the real ``baton-check`` runs every simulated morning. Nothing here reads
or writes the installation's own database. No admin ever acts.

What it models:

- A silent holding: each time a municipality gets the baton it is, with probability ``silent``,
  silent for the whole holding. Nobody there books, answers a poll, marks a meeting held or
  passes the baton; only the hub's own rules (reminders, the silence pass, the hub's date poll,
  a poll closing itself, a meeting marked held automatically) can move things on.
- Quiet people: each member is, with the same probability, someone who never answers a poll.
- The coordinator: when the reminders reach them, they give the baton to the next municipality
  within a week, unless they are silent too (the same share).
- Everyone else acts after a realistic delay (2–28 days into the holding): books the meeting
  directly or opens a date poll and closes it after a week or so. They aim for about one rhythm
  after the last meeting, at least three weeks ahead.
- Polls, the holder's and the hub's alike: up to eight of the network's members who answer
  anything (never anyone in a silent holder municipality) answer within a week, yes, maybe or
  no at random per time. A poll nobody closes books a time only if two or more said yes to it.
- Meetings: hosts mark most meetings held by hand; the rest (and every meeting of a silent
  holder) are marked by ``baton-check``. A meeting booked is taken to have happened: those who
  said yes came, whether or not the host municipality said anything.
- A few municipalities lose all their members during the run.

``--trace`` prints, per network and rhythm period, the hand-overs, reminder steps, polls and
meetings, and marks the periods without a held meeting.
"""

from __future__ import annotations

import itertools
import random
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select

from hub.auth.models import Role, User
from hub.core.db import simulated_clock
from hub.extensions import db
from hub.meetings import polls, reminders, rotation, scheduling
from hub.meetings.localtime import stockholm_to_utc
from hub.meetings.models import (
    BatonPass,
    BatonReminder,
    Meeting,
    Network,
    NetworkMunicipality,
    network_coordinator,
)

HALLAND = ["1383", "1315", "1384", "1381", "1380", "1382"]
START = datetime(2027, 1, 4, 7, 0, tzinfo=UTC)  # a Monday morning
WEEK = timedelta(days=7)
DAY = timedelta(days=1)


@dataclass
class Holding:
    """The simulated people's plan for one holding of the baton."""

    pass_id: int
    silent: bool
    act_at: datetime
    actor_id: int | None = None
    poll_id: int | None = None
    close_at: datetime | None = None
    # The coordinator's answer to the escalation: None until it comes, then when (or never).
    coordinator_at: datetime | None = None
    coordinator_heard: bool = False


@dataclass
class NetworkReport:
    name: str
    municipalities: int
    periods: int
    periods_with_meeting: int
    longest_gap_days: int
    mails_per_member_year: float
    handovers: Counter

    @property
    def share(self) -> float:
        return self.periods_with_meeting / self.periods if self.periods else 0.0


class Simulation:
    def __init__(self, years: int, silent: float, seed: int) -> None:
        self.years = years
        self.silent = silent
        self.rng = random.Random(seed)
        self.now = START
        self.end = START + timedelta(days=round(365.25 * years))
        self.plans: dict[int, Holding] = {}
        self.quiet_people: set[int] = set()
        self.departures: list[tuple[datetime, str]] = []
        # Each poll's answers to come: (when, who).
        self.votes: dict[int, list[tuple[datetime, int]]] = {}

    # --- the world ------------------------------------------------------------------------

    def build(self) -> None:
        from hub.directory.models import Municipality

        stockholm_codes = list(
            db.session.scalars(
                select(Municipality.scb_code)
                .where(Municipality.region_code == "01")
                .order_by(Municipality.scb_code)
            )
        )
        self.add_network("halland", "Halland", HALLAND, empty=1, leaving=1)
        self.add_network("stockholm", "Stockholms län", stockholm_codes, empty=6, leaving=3)
        db.session.commit()

    def add_network(self, slug: str, name: str, codes: list[str], *, empty: int, leaving: int):
        network = Network(slug=slug, name=name, rhythm_months=3)
        db.session.add(network)
        db.session.flush()
        db.session.add_all(
            NetworkMunicipality(network_id=network.id, municipality_code=code, position=i)
            for i, code in enumerate(codes)
        )
        without = set(self.rng.sample(codes, empty))
        for code in codes:
            for n in range(0 if code in without else self.rng.randint(1, 4)):
                self.add_person(f"{slug}-{code}-{n}", code)
        coordinator = self.add_person(f"{slug}-samordnare", None, role=Role.COORDINATOR)
        db.session.execute(
            network_coordinator.insert().values(network_id=network.id, user_id=coordinator.id)
        )
        db.session.flush()
        for code in self.rng.sample([c for c in codes if c not in without], leaving):
            when = self.now + timedelta(days=self.rng.randint(60, (self.end - self.now).days))
            self.departures.append((when, code))
        rotation.ensure_holder(network)

    def add_person(self, handle: str, code: str | None, role: str = Role.MEMBER) -> User:
        person = User(
            email=f"{handle}@simulering.stafetten.se",
            name=f"Simulerad {handle}",
            role=role,
            municipality_code=code,
            password_hash="!",  # noqa: S106  (nobody signs in: the rules are called directly)
            email_confirmed_at=self.now,
        )
        db.session.add(person)
        db.session.flush()
        if self.rng.random() < self.silent:
            self.quiet_people.add(person.id)
        return person

    # --- one simulated day ----------------------------------------------------------------

    def run(self) -> None:
        """Week by week; inside a week people act each day and baton-check runs each morning
        (cron runs it hourly in production)."""
        while self.now < self.end:
            week_end = self.now + WEEK
            while self.now < week_end:
                reminders.run_baton_check(self.now)
                self.one_day()
                self.now += DAY

    def one_day(self) -> None:
        self.lose_members()
        for network in db.session.scalars(select(Network).order_by(Network.id)).all():
            self.act(network)
            db.session.commit()

    def lose_members(self) -> None:
        for when, code in [d for d in self.departures if d[0] <= self.now]:
            self.departures.remove((when, code))
            for person in db.session.scalars(select(User).where(User.municipality_code == code)):
                person.active = False
            db.session.commit()

    def plan_for(self, network: Network) -> Holding:
        holding = rotation.current_pass(network.id)
        plan = self.plans.get(network.id)
        if plan is None or plan.pass_id != holding.id:
            silent = self.rng.random() < self.silent
            delay = timedelta(days=self.rng.randint(2, 28))
            plan = Holding(pass_id=holding.id, silent=silent, act_at=holding.passed_at + delay)
            self.plans[network.id] = plan
        return plan

    def act(self, network: Network) -> None:
        plan = self.plan_for(network)
        meeting = scheduling.open_meeting(network.id)
        if meeting is not None:
            self.maybe_mark_held(plan, meeting)
            return
        poll = polls.open_poll_for(network.id)
        if poll is not None:
            self.answer(network, plan, poll)
        if plan.silent or self.actor(network, plan) is None:
            self.coordinator_acts(network, plan)
            return
        actor = self.actor(network, plan)
        if plan.poll_id is not None:
            self.poll_day(network, plan, actor)
        elif poll is None and self.now >= plan.act_at:
            self.book(network, plan, actor)
        # A poll the hub opened: the holder answers it like everyone else and lets it close.

    def answer(self, network: Network, plan: Holding, poll) -> None:
        """The network's members who answer anything answer an open poll within a week: up to
        eight of them, each time yes, maybe or no at random. Nobody in a silent holder
        municipality answers."""
        if poll.id not in self.votes:
            codes = select(NetworkMunicipality.municipality_code).where(
                NetworkMunicipality.network_id == network.id, NetworkMunicipality.active
            )
            people = db.session.scalars(
                select(User).where(User.active, User.municipality_code.in_(codes)).order_by(User.id)
            ).all()
            voters = [
                p.id
                for p in people
                if p.id not in self.quiet_people
                and not (plan.silent and p.municipality_code == network.baton_holder_code)
            ]
            self.votes[poll.id] = [
                (self.now + timedelta(days=self.rng.randint(0, 7)), user_id)
                for user_id in self.rng.sample(voters, min(len(voters), 8))
            ]
        due = [v for v in self.votes[poll.id] if v[0] <= self.now]
        for vote in due:
            self.votes[poll.id].remove(vote)
            answers = {o.id: self.rng.choice(polls.ANSWERS) for o in poll.options}
            polls.record_answers(poll, db.session.get(User, vote[1]), answers)

    def coordinator_acts(self, network: Network, plan: Holding) -> None:
        """A coordinator who hears that the holder is silent gives the baton to the next
        municipality within a week, unless the coordinator is silent too (the same share)."""
        if not plan.coordinator_heard:
            escalated = db.session.scalar(
                select(BatonReminder.id).where(
                    BatonReminder.baton_pass_id == plan.pass_id,
                    BatonReminder.step == reminders.STEP_COORDINATORS,
                    BatonReminder.audience == "coordinators",
                )
            )
            if escalated is None:
                return
            plan.coordinator_heard = True
            if self.rng.random() >= self.silent:
                plan.coordinator_at = self.now + timedelta(days=self.rng.randint(1, 7))
        if plan.coordinator_at is None or self.now < plan.coordinator_at:
            return
        plan.coordinator_at = None
        coordinator = db.session.scalar(
            select(User)
            .join(network_coordinator, network_coordinator.c.user_id == User.id)
            .where(network_coordinator.c.network_id == network.id)
        )
        try:
            rotation.pass_baton(
                network,
                reason_kind=rotation.REASON_COORDINATOR,
                reason="Ingen i kommunen svarar; vi går vidare.",
                by=coordinator,
            )
        except rotation.BatonError:
            return

    def actor(self, network: Network, plan: Holding) -> User | None:
        people = db.session.scalars(
            select(User)
            .where(User.municipality_code == network.baton_holder_code, User.active)
            .order_by(User.id)
        ).all()
        if not people:
            return None
        if plan.actor_id not in {p.id for p in people}:
            plan.actor_id = self.rng.choice(people).id
        return next(p for p in people if p.id == plan.actor_id)

    def target_day(self, network: Network) -> datetime:
        """About one rhythm after the last meeting, and at least three weeks ahead."""
        last = db.session.scalar(
            select(func.max(Meeting.starts_at)).where(
                Meeting.network_id == network.id, Meeting.status == scheduling.HELD
            )
        )
        soonest = self.now + timedelta(days=self.rng.randint(21, 35))
        wanted = last + timedelta(days=91 - self.rng.randint(0, 21)) if last else soonest
        day = max(soonest, wanted).date()
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return stockholm_to_utc(day, time(9, 0))

    def book(self, network: Network, plan: Holding, actor: User) -> None:
        starts = self.target_day(network)
        if self.rng.random() < 0.5:
            data = scheduling.MeetingData(
                title=f"Nätverksträff i {network.name}",
                starts_at=starts,
                ends_at=starts + timedelta(hours=3),
                place="Kommunhuset",
            )
            scheduling.create_meeting(network, data, by=actor)
            return
        times = [
            polls.ProposedTime(starts + timedelta(days=d), starts + timedelta(days=d, hours=3))
            for d in (0, 1, 7)
        ]
        poll = polls.create_poll(network, "Nästa träff", times, by=actor)
        plan.poll_id = poll.id
        plan.close_at = self.now + timedelta(days=self.rng.randint(7, 12))

    def poll_day(self, network: Network, plan: Holding, actor: User) -> None:
        """The holder closes their poll after a week or so, picking the most wanted time."""
        poll = polls.get_poll(network, plan.poll_id)
        if poll is None or poll.status != polls.OPEN:
            plan.poll_id = None
            return
        if self.now >= plan.close_at:
            best = polls.best_option(poll)
            polls.close_poll(poll, best.id, by=actor)
            plan.poll_id = None

    def maybe_mark_held(self, plan: Holding, meeting: Meeting) -> None:
        """Most hosts mark the meeting held within a day; the rest leave it to baton-check."""
        if plan.silent or self.now < meeting.ends_at + DAY:
            return
        if self.rng.random() < 0.6:
            scheduling.mark_held(meeting, by=None, now=self.now)

    # --- the figures ----------------------------------------------------------------------

    def report(self) -> list[NetworkReport]:
        from hub.mail.models import OutboxMessage, OutboxStatus

        periods = self.years * 4
        reports = []
        for network in db.session.scalars(select(Network).order_by(Network.id)).all():
            held = db.session.scalars(
                select(Meeting.starts_at)
                .where(Meeting.network_id == network.id, Meeting.status == scheduling.HELD)
                .order_by(Meeting.starts_at)
            ).all()
            covered = {self.period_of(moment) for moment in held}
            edges = [START, *held, self.end]
            gap = max((b - a).days for a, b in itertools.pairwise(edges))
            codes = select(NetworkMunicipality.municipality_code).where(
                NetworkMunicipality.network_id == network.id
            )
            people = select(User.id).where(User.municipality_code.in_(codes))
            network_members = db.session.scalar(
                select(func.count()).select_from(User).where(User.municipality_code.in_(codes))
            )
            mails = db.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.user_id.in_(people),
                    OutboxMessage.status != OutboxStatus.SUPPRESSED,
                )
            )
            handovers = Counter(
                db.session.scalars(
                    select(BatonPass.reason_kind).where(BatonPass.network_id == network.id)
                )
            )
            reports.append(
                NetworkReport(
                    name=network.name,
                    municipalities=len(db.session.scalars(codes).all()),
                    periods=periods,
                    periods_with_meeting=len({p for p in covered if 0 <= p < periods}),
                    longest_gap_days=gap,
                    mails_per_member_year=mails / max(network_members, 1) / self.years,
                    handovers=handovers,
                )
            )
        return reports

    def trace(self) -> list[str]:
        """Per network and rhythm period: the hand-overs, polls and meetings, and which periods
        went without a held meeting (``--trace``, to see why a period was lost)."""
        from hub.meetings.models import DatePoll

        lines = []
        for network in db.session.scalars(select(Network).order_by(Network.id)).all():
            events: list[tuple[datetime, str]] = []
            for p in rotation.history(network.id):
                events.append((p.passed_at, f"stafett -> {p.to_code} ({p.reason_kind})"))
            for m in db.session.scalars(select(Meeting).where(Meeting.network_id == network.id)):
                events.append((m.starts_at, f"träff i {m.host_code}: {m.status}"))
            for poll in db.session.scalars(
                select(DatePoll).where(DatePoll.network_id == network.id)
            ):
                events.append((poll.created_at, f"omröstning öppnad ({poll.status})"))
            for r in db.session.scalars(
                select(BatonReminder).where(BatonReminder.network_id == network.id)
            ):
                events.append((r.sent_at, f"steg {r.step} till {r.audience}"))
            lines.append(f"== {network.name}")
            periods = self.years * 4
            for period in range(periods):
                inside = sorted(e for e in events if self.period_of(e[0]) == period)
                held = any(text.endswith(scheduling.HELD) for _, text in inside)
                lines.append(f"-- period {period + 1}{'' if held else '  MISSAD'}")
                lines.extend(f"   {when:%Y-%m-%d} {text}" for when, text in inside)
        return lines

    def period_of(self, moment: datetime) -> int:
        months = (moment.year - START.year) * 12 + moment.month - START.month
        return months // 3


def simulation_config(url: str) -> type:
    from config import TestConfig

    return type(
        "SimulationConfig",
        (TestConfig,),
        {"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None},
    )


def simulate(
    years: int, silent: float, seed: int, trace: list[str] | None = None
) -> list[NetworkReport]:
    """Run the simulation in a temporary database that is removed afterwards."""
    from flask_migrate import upgrade

    from hub import create_app

    workdir = Path(tempfile.mkdtemp(prefix="stafetten-simulering-"))
    try:
        url = f"sqlite:///{workdir / 'relay.db'}"
        app = create_app(simulation_config(url))
        with app.app_context():
            bind = db.session.get_bind()
            bound = getattr(bind, "engine", bind).url.render_as_string()
            if bound != url:
                raise RuntimeError("the session is not bound to the simulation's own database")
            upgrade()
            simulation = Simulation(years, silent, seed)
            with simulated_clock(lambda: simulation.now):
                simulation.build()
                simulation.run()
                reports = simulation.report()
                if trace is not None:
                    trace.extend(simulation.trace())
            db.session.remove()
            db.engine.dispose()
        return reports
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


REASON_NAMES = {
    rotation.REASON_START: "start",
    rotation.REASON_MEETING_HELD: "träff",
    rotation.REASON_AUTO_HELD: "träff (auto)",
    rotation.REASON_PASSED_ON: "lämnad",
    rotation.REASON_COORDINATOR: "samordnare",
    rotation.REASON_LEFT: "kommun lämnade",
    rotation.REASON_SILENCE: "tystnad",
}


def format_table(reports: list[NetworkReport]) -> str:
    lines = [
        f"{'Nätverk':<16} {'Kommuner':>8} {'Perioder med träff':>20} {'Längsta uppehåll':>17} "
        f"{'Brev/medlem/år':>15}  Överlämningar",
    ]
    for r in reports:
        handovers = ", ".join(
            f"{REASON_NAMES.get(kind, kind)} {count}" for kind, count in sorted(r.handovers.items())
        )
        lines.append(
            f"{r.name:<16} {r.municipalities:>8} "
            f"{f'{r.periods_with_meeting}/{r.periods} ({r.share:.0%})':>20} "
            f"{f'{r.longest_gap_days} dagar':>17} {r.mails_per_member_year:>15.1f}  {handovers}"
        )
    return "\n".join(lines)
