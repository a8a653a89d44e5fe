"""A hospital-sized MTB database, generated repeatably from a seed by bulk inserts.

    python -m benchmarks.dataset --cases 100000 --seed 1 [--database-url URL]

What it holds (for ``--cases N``, default 100,000): the three default boards; ~1,000
accounts (clinicians, members, chairs, secretaries, two administrators) sharing one
password hash; 19 years of meetings following each board's cadence (cancelled over the
holidays) plus the next 8 weeks; N cases with 3-8 biomarkers each, a fifth with a stored
PDF report, a timeline and a few reads in the audit trail; every past meeting's agenda,
attendance, validated decisions with recommendations (a few corrected), signed minutes,
and the decision letters of the last six months. Times are relative to the hour of
generation; contents (names, findings, who did what) depend only on the seed and size.

Fixtures the load test needs (``meta``):
- on the thoracic board, an extra meeting in session now with 40 items (ten validated,
  six draft decisions, two deferred, the rest waiting), the next regular meeting (at
  least two days ahead) with a published 40-case agenda, and the last signed meeting with
  40 cases whose minutes and letters are real PDFs rendered by the app;
- the pool (cases waiting for a meeting) and recent drafts on each board;
- case references and the per-board, per-year counters as the app makes them, so the app
  creates the next case without a clash.

Only rows go in through SQLAlchemy Core (``db.metadata.tables``) in chunks; only the
columns named here are given, so columns other parts add later take their defaults.
The two real PDFs are made by the app (its minutes and letter rendering), the other
minutes and letters store copies of them.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import json
import math
import random
import sys
import time
import unicodedata
from datetime import date, datetime, timedelta, UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from benchmarks import vocab
from benchmarks.common import (
    BENCH_EMAIL,
    BENCH_PASSWORD,
    dataset_key,
    dialect_of,
    make_app,
    safe_url,
)

YEARS = 19
HORIZON_WEEKS = 8
#: Minutes and letters signed in the last ... weeks store the real PDFs the app rendered;
#: older ones a small stand-in PDF (a real one for every row would make the database ~3 GB).
MINUTES_WEEKS = 104
LETTER_WEEKS = 26
#: Items on the in-session meeting, the next thoracic agenda and the last signed thoracic meeting.
AGENDA_ITEMS = 40
BOARD_SHARE = {"thoracic": 0.45, "dermatology": 0.35, "paediatric": 0.20}
#: Cases waiting in the pool, recent drafts, and the size of the next agenda, per board.
POOL = {"thoracic": 25, "dermatology": 10, "paediatric": 8}
RECENT_DRAFTS = {"thoracic": 30, "dermatology": 12, "paediatric": 8}
NEXT_AGENDA = {"thoracic": AGENDA_ITEMS, "dermatology": 12, "paediatric": 8}
USERS = 1000
MIN_CASES = 500
CHUNK = 5000

H = timedelta(hours=1)
D = timedelta(days=1)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "-")


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF (a few hundred bytes) saying ``text``."""
    text = text.replace("\\", "").replace("(", "").replace(")", "")
    content = f"BT /F1 14 Tf 72 720 Td ({text}) Tj 0 -24 Td (Benchmark data set: not a real report) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


class Meeting:
    __slots__ = (
        "board",
        "chair",
        "closed_at",
        "corrected",
        "id",
        "items",
        "occurrence_at",
        "role",
        "secretary",
        "signed_at",
        "started_at",
        "starts_at",
        "status",
    )

    def __init__(self, board, starts_at, occurrence_at, status, role="past"):
        self.id = None
        self.board, self.starts_at, self.occurrence_at, self.status, self.role = (
            board,
            starts_at,
            occurrence_at,
            status,
            role,
        )
        self.started_at = self.closed_at = self.signed_at = None
        self.items: list = []
        self.chair = self.secretary = None
        self.corrected = False

    @property
    def cutoff_at(self) -> datetime:
        return self.starts_at - timedelta(hours=self.board["cutoff_hours"])


class Case:
    __slots__ = (
        "attachment",
        "board",
        "created_at",
        "id",
        "items",
        "patient",
        "profile",
        "reference",
        "status",
        "submitted_at",
        "submitter",
        "urgent",
        "withdrawn_at",
    )

    def __init__(self, board, created_at, status):
        self.id = None
        self.board, self.created_at, self.status = board, created_at, status
        self.submitted_at = self.withdrawn_at = None
        self.items: list = []  # [meeting, outcome, added_at, item_id]
        self.submitter = self.patient = self.profile = self.reference = None
        self.urgent = False
        self.attachment = False


class Generator:
    def __init__(self, app, cases: int, seed: int, log=print):
        self.app, self.total, self.seed, self.log = app, cases, seed, log
        self.rng = random.Random(seed)
        now = datetime.now(UTC).replace(tzinfo=None)
        self.now = now.replace(minute=0, second=0, microsecond=0)
        self.start = self.now - timedelta(days=round(365.25 * YEARS))
        from mtb.extensions import db

        self.db = db
        self.tables = db.metadata.tables
        self.warned: set[str] = set()
        self.counts: dict[str, int] = {}

    # --- helpers -------------------------------------------------------------------------

    def between(self, a: datetime, b: datetime) -> datetime:
        if b <= a:
            return a
        return a + timedelta(seconds=self.rng.uniform(0, (b - a).total_seconds()))

    def weighted(self, options):
        weights = [o[0] for o in options]
        return self.rng.choices(options, weights=weights, k=1)[0]

    def insert(self, conn, name: str, rows: list[dict]) -> None:
        """Bulk insert ``rows`` (same keys in each) into table ``name``, in chunks; keys the
        table no longer has are dropped (with a note), missing columns take their defaults."""
        if not rows:
            return
        table = self.tables[name]
        columns = set(table.c.keys())
        unknown = set(rows[0]) - columns
        if unknown:
            if name not in self.warned:
                self.log(f"  note: {name} has no column {', '.join(sorted(unknown))}; left out")
                self.warned.add(name)
            rows = [{k: v for k, v in row.items() if k in columns} for row in rows]
        missing = [
            c.name
            for c in table.c
            if not c.nullable
            and c.default is None
            and c.server_default is None
            and not c.primary_key
            and c.name not in rows[0]
        ]
        if missing:
            raise RuntimeError(
                f"table {name} requires {', '.join(missing)}, which the generator does not fill: "
                "update benchmarks/dataset.py"
            )
        for start in range(0, len(rows), CHUNK):
            conn.execute(table.insert(), rows[start : start + CHUNK])
        self.counts[name] = self.counts.get(name, 0) + len(rows)

    # --- boards and people -----------------------------------------------------------------

    def boards(self) -> None:
        from mtb.boards.services import ensure_default_boards

        ensure_default_boards()
        self.db.session.commit()
        t = self.tables["boards"]
        wanted = (
            "id",
            "slug",
            "code",
            "cadence_rrule",
            "cadence_anchor",
            "timezone",
            "cutoff_hours",
            "minutes_per_case",
            "meeting_length_minutes",
            "location",
            "video_link",
        )
        with self.db.engine.connect() as conn:
            rows = conn.execute(sa.select(*[t.c[k] for k in wanted if k in t.c]).order_by(t.c.id)).mappings().all()
        self.board_list = [dict(r) for r in rows if r["slug"] in BOARD_SHARE]
        self.by_slug = {b["slug"]: b for b in self.board_list}
        if set(self.by_slug) != set(BOARD_SHARE):
            raise RuntimeError(f"expected the boards {sorted(BOARD_SHARE)}, found {sorted(self.by_slug)}")

    def people(self, password_hash: str) -> None:
        rng = self.rng
        self.users: list[dict] = []
        self.roles: list[dict] = []
        self.members = {s: [] for s in BOARD_SHARE}  # (user_id, specialty), chairs included
        self.chairs = {s: [] for s in BOARD_SHARE}
        self.secretaries = {s: [] for s in BOARD_SHARE}
        self.clinicians = {s: [] for s in BOARD_SHARE}
        used_emails = set()

        def person(title: str | None):
            female = rng.random() < 0.5
            first = rng.choice(vocab.FEMALE_FIRST if female else vocab.MALE_FIRST)
            surname = rng.choice(vocab.SURNAMES).title()
            name = f"{title} {first} {surname}" if title else f"{first} {surname}"
            base = f"{_ascii(first)}.{_ascii(surname)}"
            email, n = f"{base}@chu-bench.example.org", 1
            while email in used_emails:
                n += 1
                email = f"{base}{n}@chu-bench.example.org"
            used_emails.add(email)
            return name, email

        def add(name, email, specialty=None, *, admin=False, active=True, created=None):
            uid = len(self.users) + 1
            created = created or self.between(self.start, self.now - 30 * D)
            last = self.between(self.now - 60 * D, self.now - H) if active else created + 300 * D
            self.users.append(
                dict(
                    id=uid,
                    email=email,
                    full_name=name,
                    password_hash=password_hash,
                    active=active,
                    is_admin=admin,
                    specialty=specialty,
                    session_generation=0,
                    last_login_at=last,
                    previous_login_at=last - timedelta(days=rng.uniform(1, 20)),
                    created_at=created,
                    updated_at=created,
                )
            )
            return uid

        def grant(uid, slug, role):
            self.roles.append(
                dict(
                    user_id=uid,
                    board_id=self.by_slug[slug]["id"],
                    role=role,
                    granted_at=self.users[uid - 1]["created_at"],
                )
            )

        for _ in range(2):
            add(*person(None), admin=True)
        bench = add("Sophie Bernard (benchmark)", BENCH_EMAIL, created=self.start)
        self.users[bench - 1].update(last_login_at=self.now - D, previous_login_at=self.now - 3 * D)
        self.bench_user = bench
        for slug in BOARD_SHARE:
            grant(bench, slug, "secretary")
            self.secretaries[slug].append(bench)
        staff = {"thoracic": (3, 3, 60), "paediatric": (2, 2, 32), "dermatology": (2, 2, 40)}
        for slug, (n_sec, n_chair, n_members) in staff.items():
            specialties = vocab.MEMBER_SPECIALTIES[slug]
            for _ in range(n_sec):
                uid = add(*person(None), created=self.start + D)
                grant(uid, slug, "secretary")
                self.secretaries[slug].append(uid)
            for n in range(n_chair):
                specialty = specialties[n % 2]
                uid = add(*person("Pr"), specialty, created=self.start + D)
                grant(uid, slug, "member")
                grant(uid, slug, "chair")
                self.chairs[slug].append(uid)
                self.members[slug].append((uid, specialty))
            for n in range(n_members):
                specialty = specialties[min(int(rng.expovariate(0.35)), len(specialties) - 1)]
                active = rng.random() > 0.05
                uid = add(*person("Dr"), specialty, active=active)
                grant(uid, slug, "member")
                if active:
                    self.members[slug].append((uid, specialty))
        for n in range(18):  # pathologists, biologists, geneticists on every board
            specialty = ("pathology", "molecular_biology", "genetics", "bioinformatics")[n % 4]
            uid = add(*person("Dr"), specialty)
            for slug in BOARD_SHARE:
                grant(uid, slug, "member")
                self.members[slug].append((uid, specialty))
        boards_of_clinicians = (
            (50, ("thoracic",)),
            (25, ("dermatology",)),
            (13, ("paediatric",)),
            (8, ("thoracic", "dermatology")),
            (4, ("thoracic", "paediatric")),
        )
        while len(self.users) < USERS:
            slugs = self.weighted(boards_of_clinicians)[1]
            specialty = rng.choice(vocab.CLINICIAN_SPECIALTIES[slugs[0]])
            active = rng.random() > 0.03
            uid = add(*person("Dr"), specialty, active=active)
            for slug in slugs:
                grant(uid, slug, "clinician")
                if active:
                    self.clinicians[slug].append(uid)
        # Some clinicians refer many cases, most a few (weights for the submitter choice).
        self.clinician_weights = {s: [1.0 / (1 + i) ** 0.7 for i in range(len(u))] for s, u in self.clinicians.items()}
        self.clinician_cum = {s: list(itertools.accumulate(w)) for s, w in self.clinician_weights.items()}

    # --- meetings -------------------------------------------------------------------------

    def occurrences(self, board: dict, start: datetime, end: datetime) -> list[datetime]:
        """Naive UTC starts of the board's cadence in [start, end]: the app's own expansion
        for the coming weeks (so the scheduler finds them made), a shifted anchor for the past."""
        if start >= self.now:
            from mtb.boards.cadence import occurrences

            found = occurrences(board["cadence_rrule"], board["cadence_anchor"], board["timezone"], start, end)
            if found:
                return list(found)
        from dateutil.rrule import rrulestr

        parts = dict(
            p.split("=", 1) for p in board["cadence_rrule"].upper().replace("RRULE:", "").split(";") if "=" in p
        )
        parts.pop("UNTIL", None)
        interval = int(parts.get("INTERVAL", "1"))
        hour, minute = int(parts.get("BYHOUR", "14").split(",")[0]), int(parts.get("BYMINUTE", "0").split(",")[0])
        anchor = board["cadence_anchor"]
        if isinstance(anchor, datetime):
            anchor = anchor.date()
        weeks_back = math.ceil(max(0, (anchor - start.date()).days) / (7 * interval) + 1) * interval
        dtstart = datetime.combine(anchor - timedelta(weeks=weeks_back), datetime.min.time()).replace(
            hour=hour, minute=minute
        )
        rule = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=dtstart)
        zone = ZoneInfo(board["timezone"] or "Europe/Paris")
        result = []
        local_start = start.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None) - D
        local_end = end.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None) + D
        for local in rule.between(local_start, local_end, inc=True):
            utc = local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
            if start <= utc <= end:
                result.append(utc)
        return result

    def meetings(self) -> None:
        rng = self.rng
        self.meeting_list: list[Meeting] = []
        self.held = {}
        self.next_meeting = {}
        for slug, board in self.by_slug.items():
            held = []
            for when in self.occurrences(board, self.start, self.now - H):
                local = when + H  # close enough to Paris time for the holidays
                holiday = (
                    (local.month == 12 and local.day >= 23)
                    or (local.month == 1 and local.day <= 2)
                    or (local.month == 8 and 5 <= local.day <= 20)
                    or rng.random() < 0.01
                )
                meeting = Meeting(board, when, when, "cancelled" if holiday else "signed")
                if not holiday:
                    meeting.started_at = when + timedelta(minutes=rng.randint(0, 8))
                    meeting.closed_at = when + timedelta(minutes=board["meeting_length_minutes"] + rng.randint(-20, 25))
                    if when > self.now - 7 * D:
                        meeting.status, meeting.role = "closed", "closed"
                    else:
                        meeting.signed_at = min(
                            self.between(meeting.closed_at + H, meeting.closed_at + 3 * D), self.now - 2 * H
                        ).replace(microsecond=0)
                    meeting.chair = rng.choice(self.chairs[slug])
                    meeting.secretary = rng.choice(self.secretaries[slug][1:] or self.secretaries[slug])
                    held.append(meeting)
                self.meeting_list.append(meeting)
            self.held[slug] = held
            future = self.occurrences(board, self.now, self.now + timedelta(weeks=HORIZON_WEEKS))
            chosen = None
            for when in future:
                meeting = Meeting(board, when, when, "scheduled", role="future")
                if chosen is None and when >= self.now + 2 * D:
                    meeting.status, meeting.role = "published", "next"
                    meeting.secretary = self.secretaries[slug][0]
                    chosen = meeting
                self.meeting_list.append(meeting)
            if chosen is None:
                raise RuntimeError(f"board {slug}: no meeting in the coming {HORIZON_WEEKS} weeks")
            self.next_meeting[slug] = chosen
        thoracic = self.by_slug["thoracic"]
        signed = [m for m in self.held["thoracic"] if m.status == "signed"]
        self.minutes_meeting = signed[-1]
        self.minutes_meeting.role = "minutes"
        # An extra meeting in session right now.
        live = Meeting(thoracic, self.now - H, None, "in_session", role="live")
        live.started_at = self.now - H + timedelta(minutes=2)
        live.chair = self.chairs["thoracic"][0]
        live.secretary = self.bench_user
        self.live_meeting = live
        self.meeting_list.sort(key=lambda m: m.starts_at)
        self.meeting_list.append(live)
        for n, meeting in enumerate(self.meeting_list, start=1):
            meeting.id = n

    # --- cases ------------------------------------------------------------------------------

    def submitter(self, slug: str) -> int:
        users, cum = self.clinicians[slug], self.clinician_cum[slug]
        return users[bisect.bisect_left(cum, self.rng.random() * cum[-1])]

    def new_case(self, slug, created_at, status) -> Case:
        case = Case(self.by_slug[slug], created_at, status)
        case.submitter = self.submitter(slug)
        case.urgent = self.rng.random() < 0.08
        self.cases.append(case)
        return case

    def plan_cases(self) -> None:
        rng = self.rng
        self.cases: list[Case] = []
        now = self.now
        for slug, share in BOARD_SHARE.items():
            total = round(self.total * share)
            reserved = 0

            def for_meeting(meeting, count, slug=slug):
                for n in range(count):
                    submitted = self.between(meeting.cutoff_at - 12 * D, meeting.cutoff_at - H)
                    case = self.new_case(slug, submitted - timedelta(minutes=rng.uniform(5, 6 * 24 * 60)), "scheduled")
                    case.submitted_at = submitted
                    added = self.between(
                        max(submitted, meeting.cutoff_at), min(meeting.cutoff_at + 12 * H, meeting.starts_at - H)
                    )
                    case.items.append([meeting, "discussed", added, None])
                    meeting.items.append(case)

            # The next agenda, the pool and recent drafts.
            nxt = self.next_meeting[slug]
            for n in range(NEXT_AGENDA[slug]):
                submitted = self.between(now - 14 * D, now - 2 * D)
                case = self.new_case(slug, submitted - timedelta(minutes=rng.uniform(5, 3 * 24 * 60)), "scheduled")
                case.submitted_at = submitted
                case.items.append([nxt, "pending", self.between(submitted, now - 2 * H), None])
                nxt.items.append(case)
            for _ in range(POOL[slug]):
                submitted = self.between(now - 6 * D, now - H)
                case = self.new_case(slug, submitted - timedelta(minutes=rng.uniform(5, 3 * 24 * 60)), "submitted")
                case.submitted_at = submitted
            for _ in range(RECENT_DRAFTS[slug]):
                self.new_case(slug, self.between(now - 45 * D, now - H), "draft")
            reserved += NEXT_AGENDA[slug] + POOL[slug] + RECENT_DRAFTS[slug]
            if slug == "thoracic":
                live = self.live_meeting
                outcomes = ["discussed"] * 16 + ["deferred"] * 2 + ["pending"] * (AGENDA_ITEMS - 18)
                for n in range(AGENDA_ITEMS):
                    submitted = self.between(now - 20 * D, now - 3 * D)
                    case = self.new_case(slug, submitted - timedelta(minutes=rng.uniform(5, 3 * 24 * 60)), "scheduled")
                    case.submitted_at = submitted
                    case.items.append([live, outcomes[n], self.between(submitted, now - 3 * H), None])
                    live.items.append(case)
                for_meeting(self.minutes_meeting, AGENDA_ITEMS)
                reserved += 2 * AGENDA_ITEMS
            # Withdrawn cases and abandoned drafts, anywhere in the history.
            remaining = total - reserved
            if remaining < 50:
                raise RuntimeError(f"--cases {self.total} is too small (at least {MIN_CASES})")
            withdrawn, old_drafts = round(remaining * 0.015), round(remaining * 0.002)
            for _ in range(withdrawn):
                created = self.between(self.start, now - 30 * D)
                case = self.new_case(slug, created, "withdrawn")
                case.submitted_at = created + timedelta(hours=rng.uniform(1, 72))
                case.withdrawn_at = case.submitted_at + timedelta(days=rng.uniform(1, 10))
            for _ in range(old_drafts):
                self.new_case(slug, self.between(self.start, now - 60 * D), "draft")
            # The rest were discussed at a past meeting; boards saw more cases every year.
            history = [m for m in self.held[slug] if m is not self.minutes_meeting]
            count = remaining - withdrawn - old_drafts
            weights = [0.35 + 0.65 * n / max(1, len(history) - 1) for n in range(len(history))]
            per_meeting = [0] * len(history)
            for index in rng.choices(range(len(history)), weights=weights, k=count):
                per_meeting[index] += 1
            for index, (meeting, n) in enumerate(zip(history, per_meeting)):
                for_meeting(meeting, n)
            # About 3 % were deferred once at the previous meeting before being decided.
            for index, meeting in enumerate(history[1:], start=1):
                previous = history[index - 1]
                for case in meeting.items:
                    if rng.random() < 0.03:
                        case.submitted_at = self.between(previous.cutoff_at - 10 * D, previous.cutoff_at - H)
                        case.created_at = case.submitted_at - timedelta(minutes=rng.uniform(5, 3 * 24 * 60))
                        added = self.between(previous.cutoff_at, previous.starts_at - H)
                        case.items.insert(0, [previous, "deferred", added, None])
                        previous.items.append(case)
        # Statuses of the discussed cases follow their decision.
        for case in self.cases:
            if case.items and case.items[-1][0].status in ("signed", "closed"):
                case.status = "decided"
            elif case.items and case.items[-1][0] is self.live_meeting:
                outcome = case.items[-1][1]
                position = self.live_meeting.items.index(case)
                case.status = {"deferred": "deferred", "pending": "scheduled"}.get(
                    outcome, "decided" if position < 10 else "discussed"
                )
        self.log(f"  planned {len(self.cases):,} cases, {len(self.meeting_list):,} meetings")

    def identities(self) -> None:
        """Ids and references in creation order; patients (some come back for a second case)."""
        rng = self.rng
        self.cases.sort(key=lambda c: c.created_at)
        numbers: dict[tuple[int, int], int] = {}
        patients: dict[str, list] = {s: [] for s in BOARD_SHARE}
        ages = {"thoracic": (42, 88), "dermatology": (25, 92), "paediatric": (0, 17)}
        for n, case in enumerate(self.cases, start=1):
            case.id = n
            board = case.board
            key = (board["id"], case.created_at.year)
            numbers[key] = numbers.get(key, 0) + 1
            case.reference = f"{board['code']}-{case.created_at.year}-{numbers[key]:04d}"
            seen = patients[board["slug"]]
            if seen and rng.random() < 0.08:
                case.patient = rng.choice(seen[-2000:])
            else:
                female = rng.random() < (0.45 if board["slug"] == "thoracic" else 0.5)
                first = rng.choice(vocab.FEMALE_FIRST if female else vocab.MALE_FIRST)
                low, high = ages[board["slug"]]
                birth = case.created_at.date() - timedelta(days=rng.uniform(low, high + 0.99) * 365.25)
                case.patient = (
                    f"{rng.choice(vocab.SURNAMES)} {first}",
                    "female" if female else "male",
                    birth,
                    f"IPP{rng.randrange(10**6, 10**7):07d}",
                )
                seen.append(case.patient)
            case.attachment = case.status != "draft" and rng.random() < 0.2
        self.case_counters = [dict(board_id=b, year=y, last_number=n) for (b, y), n in sorted(numbers.items())]
        # The case page shows a decided case of the signed 40-case meeting, with its report.
        self.target_case = self.minutes_meeting.items[0]
        self.target_case.attachment = True

    # --- rows -------------------------------------------------------------------------------

    def finding_rows(self, case: Case, reported: date) -> tuple[list[dict], dict | None]:
        rng = self.rng
        slug = case.board["slug"]
        _, driver, therapy = self.weighted(vocab.DRIVERS[slug])
        count = rng.randint(3, 8)
        findings = []
        if driver:
            findings.append(dict(driver))
        extras = []
        if rng.random() < 0.7:
            tmb = (
                round(rng.lognormvariate(1.6, 0.8), 1)
                if slug != "dermatology"
                else round(rng.lognormvariate(2.5, 0.7), 1)
            )
            extras.append(dict(kind="tmb", tmb=min(tmb, 400)))
        if slug == "thoracic" or rng.random() < 0.3:
            findings_pdl1 = dict(kind="pdl1")
            if slug == "thoracic":
                findings_pdl1["pdl1_tps"] = rng.choice((0, 0, 1, 5, 10, 20, 30, 50, 60, 80, 90, 95))
            else:
                findings_pdl1["pdl1_cps"] = rng.choice((0, 1, 5, 10, 20))
            extras.append(findings_pdl1)
        if rng.random() < 0.4:
            extras.append(dict(kind="msi", msi_status=rng.choices(("MSS", "MSI-H", "MSI-L"), (95, 3, 2))[0]))
        passengers = list(vocab.PASSENGERS[slug])
        while len(findings) + len(extras) < count and passengers:
            choice = self.weighted(passengers)
            passengers.remove(choice)
            findings.append(dict(choice[1]))
        findings.extend(extras)
        findings = findings[: max(count, 3)]
        assay = rng.choice(vocab.ASSAYS[slug])
        specimen = rng.choice(vocab.SPECIMENS[slug])
        rows = []
        for position, finding in enumerate(findings):
            row = dict.fromkeys(BIOMARKER_KEYS)
            row.update(finding)
            row.update(
                case_id=case.id,
                position=position,
                assay=assay,
                specimen=specimen,
                lab=rng.choice(vocab.LABS),
                reported_on=reported,
            )
            if row["kind"] == "variant":
                row["vaf"] = round(rng.uniform(4, 62), 1)
            elif row["kind"] == "cnv":
                row["copy_number"] = {
                    "amplification": rng.randint(6, 40),
                    "gain": rng.randint(3, 5),
                    "loss": 1,
                    "deletion": 0,
                }[row["cnv_type"]]
            rows.append(row)
        return rows, (therapy if driver else None)

    @staticmethod
    def label(row: dict) -> str:
        kind = row["kind"]
        if kind == "variant":
            return f"{row['gene']} {row['hgvs_p'] or row['hgvs_c']}"
        if kind == "fusion":
            return f"{row['gene_3p']} fusion {row['gene']}::{row['gene_3p']}"
        if kind == "cnv":
            return f"{row['gene']} {row['cnv_type']} ({row['copy_number']} copies)"
        return kind.upper()

    def diagnosis(self, slug: str, driver: dict | None):
        options = vocab.DIAGNOSES[slug]
        gene = (driver or {}).get("gene_3p") or (driver or {}).get("gene")
        if slug == "thoracic":
            pool = options[:3] if driver else options
        elif slug == "dermatology":
            pool = options[6:7] if gene in ("GNAQ", "GNA11") else (options[:6] if driver else options)
        else:
            index = {
                "ALK": 0,
                "MYCN": 0,
                "NTRK3": 1,
                "PMS2": 2,
                "BRAF": 3,
                "NF1": 10,
                "H3-3A": 4,
                "FOXO1": 5,
                "FLI1": 6,
            }.get(gene)
            pool = (options[index],) if index is not None else (options[7], options[8], options[9])
        return self.rng.choice(pool)

    def build_and_insert(self, conn) -> None:
        rng = self.rng
        t0 = time.perf_counter()
        self.insert(conn, "users", self.users)
        self.insert(conn, "board_roles", self.roles)
        meeting_rows = []
        for m in self.meeting_list:
            board = m.board
            held = m.status in ("signed", "closed", "in_session")
            published = held or m.status == "published"
            n_items = len(m.items)
            meeting_rows.append(
                dict(
                    id=m.id,
                    board_id=board["id"],
                    starts_at=m.starts_at,
                    duration_minutes=board["meeting_length_minutes"],
                    location=board.get("location"),
                    video_link=board.get("video_link"),
                    status=m.status,
                    occurrence_at=m.occurrence_at,
                    cutoff_hours=board["cutoff_hours"],
                    agenda_version=1 + n_items,
                    agenda_published_at=(
                        min(m.cutoff_at + 14 * H, m.starts_at - H) if m.role != "next" else self.now - 2 * H
                    )
                    if published
                    else None,
                    published_version=1 + n_items if published else None,
                    agenda_publications=1 if published else 0,
                    ical_sequence=1 if published else 0,
                    cancelled_reason="No meeting over the holidays" if m.status == "cancelled" else None,
                    started_at=m.started_at,
                    closed_at=m.closed_at,
                    needs_review=False,
                    created_at=m.starts_at - timedelta(weeks=HORIZON_WEEKS) if m.occurrence_at else self.now - 2 * D,
                    updated_at=m.signed_at
                    or m.closed_at
                    or m.started_at
                    or (m.starts_at - timedelta(weeks=HORIZON_WEEKS)),
                )
            )
        self.insert(conn, "meetings", meeting_rows)
        del meeting_rows

        # Cases, biomarkers, reports.
        case_rows, report_rows, biomarker_rows, attachment_rows = [], [], [], []
        self.drivers: dict[int, tuple[int | None, str | None, tuple | None]] = {}
        next_biomarker = itertools.count(1)
        for case in self.cases:
            slug = case.board["slug"]
            reported = (case.submitted_at or case.created_at).date() - timedelta(days=rng.randint(3, 20))
            rows, therapy = self.finding_rows(case, reported)
            # One lab report per case (its assay, lab, date and specimen); the findings name it.
            report_rows.append(dict(id=case.id, case_id=case.id, position=0, assay=rows[0]["assay"],
                                    lab=rows[0]["lab"], reported_on=reported, site=rows[0]["specimen"][:120]))
            for row in rows:
                row["id"] = next(next_biomarker)
                row["report_id"] = case.id
            biomarker_rows.extend(rows)
            driver = rows[0] if rows[0]["kind"] in ("variant", "fusion", "cnv") else None
            self.drivers[case.id] = (driver["id"] if driver else None, self.label(driver) if driver else None, therapy)
            diagnosis, icd10, morphology, stages = self.diagnosis(slug, driver)
            name, sex, birth, record = case.patient
            if driver:
                question = rng.choice(vocab.QUESTIONS).format(finding=self.label(driver))
            else:
                question = rng.choice(vocab.QUESTIONS_NO_DRIVER)
            prior = rng.randint(0, 3)
            updated = (
                case.withdrawn_at or (case.items[-1][2] if case.items else None) or case.submitted_at or case.created_at
            )
            case_rows.append(
                dict(
                    id=case.id,
                    reference=case.reference,
                    board_id=case.board["id"],
                    submitter_id=case.submitter,
                    status=case.status,
                    version=1 + len(case.items),
                    patient_record_number=record,
                    patient_name=name,
                    patient_sex=sex,
                    patient_birth_date=birth,
                    diagnosis=diagnosis,
                    icd10_code=icd10,
                    icdo3_morphology=morphology,
                    stage=rng.choice(stages),
                    ecog=rng.choice((0, 0, 1, 1, 1, 2)),
                    prior_lines=prior,
                    prior_treatments=rng.choice(vocab.PRIOR_TREATMENTS[slug]) if prior else None,
                    clinical_question=question,
                    urgency="urgent" if case.urgent else "routine",
                    research_consent=rng.sample(vocab.CONSENTS[slug], rng.randint(0, 2)),
                    no_molecular_report=False,
                    submitted_at=case.submitted_at,
                    withdrawn_at=case.withdrawn_at,
                    created_at=case.created_at,
                    listed_at=case.submitted_at or case.created_at,
                    updated_at=updated,
                )
            )
            if case.attachment:
                data = tiny_pdf(f"NGS report {case.reference} - {rows[0].get('assay') or ''}")
                attachment_rows.append(
                    dict(
                        case_id=case.id,
                        filename=f"NGS report {case.reference}.pdf",
                        file_type="pdf",
                        content_type="application/pdf",
                        size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(),
                        description="NGS report",
                        data=data,
                        uploaded_by_id=case.submitter,
                        uploaded_at=(case.submitted_at or case.created_at) - timedelta(minutes=rng.uniform(1, 60)),
                    )
                )
        self.insert(conn, "cases", case_rows)
        del case_rows
        self.insert(conn, "molecular_reports", report_rows)
        del report_rows
        self.insert(conn, "biomarkers", biomarker_rows)
        self.log(f"  cases and biomarkers in {time.perf_counter() - t0:.0f} s")
        del biomarker_rows
        self.insert(conn, "attachments", attachment_rows)
        del attachment_rows
        self.insert(conn, "case_counters", self.case_counters)

        # Agendas, attendance, decisions, the timeline.
        item_rows, decision_rows, recommendation_rows, attendance_rows, recusal_rows = [], [], [], [], []
        event_rows = []
        next_item, next_decision, next_recommendation = itertools.count(1), itertools.count(1), itertools.count(1)
        self.decisions_by_meeting: dict[int, list[dict]] = {}
        #: (decision id, case, board id, validated at, [(recommendation id, kind)]) in force.
        self.followed: list[tuple] = []
        for m in self.meeting_list:
            if not m.items:
                continue
            slug = m.board["slug"]
            per_case = m.board["minutes_per_case"]
            if m is not self.live_meeting:  # the live agenda keeps its order: outcomes follow it
                m.items.sort(key=lambda c: (not c.urgent, c.submitted_at or c.created_at))
            held = m.status in ("signed", "closed", "in_session")
            published = held or m.status == "published"
            present = []
            if held:
                pool = self.members[slug]
                k = min(len(pool), rng.randint(6, 12))
                present = rng.sample(pool, k)
                if m.chair not in [u for u, _ in present]:
                    present[0] = (m.chair, next(s for u, s in pool if u == m.chair))
                for uid, specialty in present:
                    attendance_rows.append(
                        dict(
                            meeting_id=m.id,
                            user_id=uid,
                            specialty=specialty,
                            guest_name=None,
                            guest_role=None,
                            recorded_at=m.started_at + timedelta(minutes=1),
                        )
                    )
                if rng.random() < 0.1:
                    attendance_rows.append(
                        dict(
                            meeting_id=m.id,
                            user_id=None,
                            specialty=None,
                            guest_name=" ".join(self.person_name()),
                            guest_role="Clinical research nurse",
                            recorded_at=m.started_at + timedelta(minutes=1),
                        )
                    )
            for position, case in enumerate(m.items, start=1):
                entry = next(e for e in case.items if e[0] is m)
                _, outcome, added, _ = entry
                item_id = next(next_item)
                entry[3] = item_id
                presenter = case.submitter if rng.random() < 0.6 else None
                slot = m.starts_at + timedelta(minutes=per_case * (position - 1))
                item_rows.append(
                    dict(
                        id=item_id,
                        meeting_id=m.id,
                        case_id=case.id,
                        position=position,
                        minutes=per_case,
                        presenter_id=presenter,
                        outcome=outcome,
                        late_addition=False,
                        changed_after_publication=False,
                        published_position=position if published else None,
                        published_starts_at=slot if published else None,
                        published_minutes=per_case if published else None,
                        published_presenter_id=presenter if published else None,
                        carried_over_from_id=None,
                        added_at=added,
                    )
                )
                if held and present and rng.random() < 0.005:
                    recusal_rows.append(
                        dict(
                            agenda_item_id=item_id,
                            user_id=present[-1][0],
                            note="Investigator of the proposed trial",
                            declared_at=slot,
                        )
                    )
                if outcome != "discussed":
                    continue
                live = m.status == "in_session"
                state = ("validated" if position <= 10 else "draft") if live else "validated"
                created = slot + timedelta(minutes=rng.uniform(2, per_case))
                validated_at = created + timedelta(minutes=rng.uniform(1, 5)) if state == "validated" else None
                published_at = m.signed_at if m.status == "signed" else None
                corrected = m.status == "signed" and rng.random() < 0.003 and m is not self.minutes_meeting
                decision_id = next(next_decision)
                summary, recs = self.decision_text(case)
                base = dict(
                    agenda_item_id=item_id,
                    meeting_id=m.id,
                    case_id=case.id,
                    board_id=m.board["id"],
                    quorum_met=True,
                    quorum_missing=[],
                    created_by_id=m.secretary,
                    created_at=created,
                )
                decision_rows.append(
                    dict(
                        base,
                        id=decision_id,
                        version=1,
                        status="superseded" if corrected else state,
                        summary=summary,
                        correction_reason=None,
                        updated_at=validated_at or created,
                        validated_by_id=m.chair if state == "validated" else None,
                        validated_at=validated_at,
                        decided_at=validated_at,
                        published_at=published_at,
                        superseded_at=(published_at + 5 * D) if corrected else None,
                        row_version=2 if state == "validated" else 1,
                    )
                )
                self.decisions_by_meeting.setdefault(m.id, []).append(
                    dict(id=decision_id, case_id=case.id, published_at=published_at, version=1)
                )
                rec_ids = []
                for position_rec, rec in enumerate(recs):
                    rec_ids.append((next(next_recommendation), rec["kind"]))
                    recommendation_rows.append(dict(rec, id=rec_ids[-1][0], decision_id=decision_id,
                                                    position=position_rec))
                if state == "validated" and not corrected:
                    self.followed.append((decision_id, case, m.board["id"], validated_at, rec_ids))
                if corrected:
                    m.corrected = True
                    second = next(next_decision)
                    at = published_at + 5 * D
                    decision_rows.append(
                        dict(
                            base,
                            id=second,
                            version=2,
                            status="validated",
                            summary=summary + " (dose corrected)",
                            correction_reason="Dose and schedule corrected after pharmacy review.",
                            updated_at=at,
                            validated_by_id=m.chair,
                            validated_at=at,
                            decided_at=validated_at,  # a correction keeps the day the board decided
                            published_at=at,
                            superseded_at=None,
                            row_version=2,
                        )
                    )
                    self.decisions_by_meeting[m.id].append(dict(id=second, case_id=case.id, published_at=at, version=2))
                    rec_ids = []
                    for position_rec, rec in enumerate(recs):
                        rec_ids.append((next(next_recommendation), rec["kind"]))
                        recommendation_rows.append(dict(rec, id=rec_ids[-1][0], decision_id=second,
                                                        position=position_rec))
                    self.followed.append((second, case, m.board["id"], validated_at, rec_ids))
        self.insert(conn, "agenda_items", item_rows)
        del item_rows
        self.insert(conn, "attendances", attendance_rows)
        self.insert(conn, "recusals", recusal_rows)
        self.insert(conn, "decisions", decision_rows)
        self.insert(conn, "recommendations", recommendation_rows)
        self.decision_count = len(decision_rows)
        del decision_rows, recommendation_rows, attendance_rows
        self.log(f"  agendas and decisions in {time.perf_counter() - t0:.0f} s")

        audit_rows = []
        for case in self.cases:
            event_rows.extend(self.timeline(case))
            if case.status != "draft":
                readers = self.members[case.board["slug"]]
                first_seen = case.submitted_at or case.created_at
                for _ in range(rng.randint(1, 9)):
                    uid = rng.choice(readers)[0]
                    audit_rows.append(
                        dict(
                            at=self.between(first_seen, min(self.now - H, first_seen + 60 * D)),
                            user_id=uid,
                            action="case.view",
                            object_type="Case",
                            object_id=case.id,
                            board_id=case.board["id"],
                            ip_address=f"10.{rng.randint(1, 40)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                            details=None,
                        )
                    )
            if len(event_rows) > 50_000:
                self.insert(conn, "case_events", event_rows)
                event_rows = []
            if len(audit_rows) > 50_000:
                audit_rows.sort(key=lambda r: r["at"])
                self.insert(conn, "audit_events", audit_rows)
                audit_rows = []
        self.insert(conn, "case_events", event_rows)
        audit_rows.sort(key=lambda r: r["at"])
        self.insert(conn, "audit_events", audit_rows)
        self.log(f"  timeline and audit trail in {time.perf_counter() - t0:.0f} s")

    def trials(self, conn) -> None:
        """The site's trial registry: about forty trials a board (most recruiting, some on
        hold or closed), asking for the board's drivers, a diagnosis range, an age range."""
        rng = self.rng
        trial_rows, link_rows = [], []
        ranges = {"thoracic": ["C34"], "dermatology": ["C43-C44"], "paediatric": []}
        trial_id = itertools.count(1)
        for number, board in enumerate(self.board_list, start=1):
            slug = board["slug"]
            drivers = [finding for _weight, finding, _therapy in vocab.DRIVERS[slug] if finding]
            for i in range(TRIALS_PER_BOARD):
                ident = next(trial_id)
                picked = rng.sample(drivers, k=min(len(drivers), rng.choice((1, 1, 2, 3))))
                alterations = [
                    {"gene": f.get("gene_3p") or f["gene"], "kind": f["kind"],
                     "change": (f.get("hgvs_p") or "") if f["kind"] == "variant" and rng.random() < 0.6 else ""}
                    for f in picked
                ]
                status = self.weighted(((70, "recruiting"), (15, "on_hold"), (15, "closed")))[1]
                trial_rows.append(dict(
                    id=ident, registry_ids=f"NCT09{number}{i:05d}", primary_id=f"NCT09{number}{i:05d}",
                    title=f"Trial {i + 1} for {', '.join(a['gene'] for a in alterations)}-altered tumours (bench)",
                    acronym=f"{slug[:3].upper()}-{i + 1:02d}", phase=rng.choice(("1", "1/2", "2", "3")), status=status,
                    investigator=" ".join(self.person_name()), contact="Research nurse, 04 72 00 00 00",
                    alterations=alterations, molecular_logic="any",
                    tmb_min=10 if rng.random() < 0.1 else None, requires_msi_high=False, requires_hrd=False,
                    pdl1_tps_min=50 if slug == "thoracic" and rng.random() < 0.1 else None,
                    icd10_ranges=ranges[slug], age_min=None if slug == "paediatric" else 18,
                    age_max=21 if slug == "paediatric" else None, prior_lines_min=None,
                    prior_lines_max=rng.choice((None, None, 1, 2)),
                    created_at=self.now - 400 * D, updated_at=self.now - 30 * D,
                ))
                link_rows.append(dict(trial_id=ident, board_id=board["id"]))
        self.insert(conn, "trials", trial_rows)
        self.insert(conn, "trial_boards", link_rows)

    def follow_ups(self, conn) -> None:
        """What became of the recommendations: each milestone (3, 6, 12 months) reached is
        recorded for most decisions, about a quarter of the therapies implemented, the
        others with a coded reason, as published practice reports."""
        rng = self.rng
        rows = []
        followed_kinds = {"targeted_therapy", "clinical_trial", "standard_of_care", "further_testing",
                          "germline_counselling"}
        reasons = ("patient_declined", "clinical_deterioration", "death", "progression_before_start",
                   "reimbursement_refused", "reimbursement_pending", "no_trial_slot", "other_therapy_chosen",
                   "lost_to_follow_up")
        responses = ((10, "CR"), (30, "PR"), (30, "SD"), (25, "PD"), (5, "NE"))
        for decision_id, case, board_id, validated_at, recommendations in self.followed:
            for recommendation_id, kind in recommendations:
                if kind not in followed_kinds:
                    continue
                implemented = rng.random() < 0.25
                started = (validated_at + timedelta(days=rng.randint(7, 60))).date() if implemented else None
                for months in FOLLOW_UP_MONTHS:
                    due = validated_at + timedelta(days=round(30.44 * months))
                    if due > self.now or rng.random() < 0.15:
                        continue
                    rows.append(dict(
                        recommendation_id=recommendation_id, decision_id=decision_id, case_id=case.id,
                        board_id=board_id, milestone_months=months, version=1, is_current=True,
                        implemented=implemented, started_on=started, line=rng.randint(1, 3) if implemented else None,
                        access=rng.choice(("approved", "off_label", "compassionate", "trial")) if implemented else None,
                        best_response=self.weighted(responses)[1] if implemented else None,
                        reason=None if implemented else rng.choice(reasons), serious_toxicity=False,
                        recorded_by_id=case.submitter, recorded_at=min(self.now, due + timedelta(days=rng.randint(0, 30))),
                    ))
                    if len(rows) >= 50_000:
                        self.insert(conn, "follow_ups", rows)
                        rows = []
        self.insert(conn, "follow_ups", rows)
        del self.followed

    def person_name(self):
        first = self.rng.choice(vocab.FEMALE_FIRST + vocab.MALE_FIRST)
        return first, self.rng.choice(vocab.SURNAMES).title()

    def decision_text(self, case: Case) -> tuple[str, list[dict]]:
        rng = self.rng
        slug = case.board["slug"]
        biomarker_id, label, therapy = self.drivers[case.id]
        empty = dict(
            kind=None,
            drug=None,
            biomarker_id=None,
            biomarker_label=None,
            evidence_scheme=None,
            evidence_level=None,
            oncokb_level=None,
            access_route=None,
            trial_id=None,
            trial_site=None,
            test_name=None,
            test_sample=None,
            rationale=None,
        )
        recs = []
        if therapy:
            drug, escat, oncokb, access = therapy
            summary = (
                f"{label}: the board recommends {drug} ({escat} on ESCAT). "
                f"Response to be assessed at 8 weeks; re-discuss at progression."
            )
            recs.append(
                dict(
                    empty,
                    kind="targeted_therapy",
                    drug=drug,
                    biomarker_id=biomarker_id,
                    biomarker_label=label,
                    evidence_scheme="escat",
                    evidence_level=escat,
                    oncokb_level=oncokb,
                    access_route=access,
                    rationale="Level of evidence and access route checked by the pharmacy.",
                )
            )
            if rng.random() < 0.3:
                recs.append(
                    dict(
                        empty,
                        kind="clinical_trial",
                        trial_id=rng.choice(vocab.TRIALS),
                        trial_site=rng.choice(vocab.TRIAL_SITES),
                        rationale="If eligible, before the approved option.",
                    )
                )
        elif label:
            summary = f"{label} is not actionable today. Standard treatment; screen for trials at progression."
            recs.append(dict(empty, kind="standard_of_care", rationale=rng.choice(vocab.STANDARD_OF_CARE[slug])))
            if rng.random() < 0.5:
                recs.append(
                    dict(
                        empty,
                        kind="clinical_trial",
                        trial_id=rng.choice(vocab.TRIALS),
                        trial_site=rng.choice(vocab.TRIAL_SITES),
                        rationale="Basket trial for the alteration.",
                    )
                )
        else:
            summary = "No actionable alteration on the panel. Standard of care; complementary testing advised."
            recs.append(dict(empty, kind="no_actionable"))
            test, sample = rng.choice(vocab.FURTHER_TESTS)
            recs.append(
                dict(
                    empty,
                    kind="further_testing",
                    test_name=test,
                    test_sample=sample,
                    rationale="Look for a fusion missed by the DNA panel.",
                )
            )
        if rng.random() < 0.05:
            recs.append(
                dict(empty, kind="germline_counselling", rationale="Possible germline origin: genetic counselling.")
            )
        return summary, recs

    def timeline(self, case: Case) -> list[dict]:
        rows = [dict(case_id=case.id, at=case.created_at, kind="draft", user_id=case.submitter, note=None)]
        if case.submitted_at:
            rows.append(
                dict(case_id=case.id, at=case.submitted_at, kind="submitted", user_id=case.submitter, note=None)
            )
            if case.attachment:
                rows.append(
                    dict(
                        case_id=case.id,
                        at=case.submitted_at - timedelta(minutes=1),
                        kind="attachment_added",
                        user_id=case.submitter,
                        note=None,
                    )
                )
        for meeting, outcome, added, _ in case.items:
            secretary = meeting.secretary or self.secretaries[case.board["slug"]][0]
            rows.append(
                dict(
                    case_id=case.id,
                    at=added,
                    kind="scheduled",
                    user_id=secretary,
                    note=f"Agenda of {meeting.starts_at:%d %b %Y}",
                )
            )
            if outcome == "deferred":
                rows.append(
                    dict(
                        case_id=case.id,
                        at=meeting.started_at or meeting.starts_at,
                        kind="deferred",
                        user_id=secretary,
                        note="Deferred at the meeting",
                    )
                )
            elif outcome == "discussed":
                at = (meeting.started_at or meeting.starts_at) + timedelta(minutes=20)
                rows.append(dict(case_id=case.id, at=at, kind="discussed", user_id=secretary, note=None))
                if case.status == "decided":
                    rows.append(
                        dict(
                            case_id=case.id,
                            at=at + timedelta(minutes=3),
                            kind="decided",
                            user_id=meeting.chair,
                            note=None,
                        )
                    )
        if case.withdrawn_at:
            rows.append(
                dict(
                    case_id=case.id,
                    at=case.withdrawn_at,
                    kind="withdrawn",
                    user_id=case.submitter,
                    note="Patient's condition no longer allows treatment",
                )
            )
        return rows

    # --- documents ----------------------------------------------------------------------------

    def documents(self) -> None:
        """Render the last signed thoracic meeting's minutes and one letter through the app,
        then store copies of those two PDFs for every other signed meeting (minutes) and for
        the decisions published in the last LETTER_WEEKS weeks (letters)."""
        db = self.db
        minutes_version_id = letter_id = None
        template = None
        with self.app.test_request_context("/"):
            try:
                rendering = _rendering_module()
                from mtb.accounts.models import User
                from mtb.decisions.models import Decision
                from mtb.meetings.models import Meeting as MeetingModel

                meeting = db.session.get(MeetingModel, self.minutes_meeting.id)
                chair = db.session.get(User, self.minutes_meeting.chair)
                version = rendering.create_minutes_version(
                    meeting, chair, self.minutes_meeting.signed_at, "Signed by the chair"
                )
                decision_id = self.decisions_by_meeting[self.minutes_meeting.id][0]["id"]
                letter = rendering.create_letter(db.session.get(Decision, decision_id), self.minutes_meeting.signed_at)
                db.session.commit()
                minutes_version_id, letter_id = version.id, letter.id
                template = dict(
                    content_json=version.content_json,
                    content_sha256=version.content_sha256,
                    pdf=version.pdf,
                    letter_pdf=letter.pdf,
                    letter_sha=letter.content_sha256,
                )
            except Exception as error:  # the app's rendering moved or failed: store a plain PDF instead
                db.session.rollback()
                self.log(
                    f"  WARNING: could not render the minutes through the app ({type(error).__name__}: {error}); "
                    "storing a WeasyPrint PDF of a plain page instead"
                )
                from weasyprint import HTML

                pdf = HTML(string="<h1>Minutes</h1><p>Benchmark data set.</p>").write_pdf()
                template = dict(
                    content_json="{}",
                    content_sha256=hashlib.sha256(b"{}").hexdigest(),
                    pdf=pdf,
                    letter_pdf=pdf,
                    letter_sha=hashlib.sha256(b"{}").hexdigest(),
                )
        pdf, letter_pdf = template["pdf"], template["letter_pdf"]
        self.log(f"  minutes PDF {len(pdf) // 1024} KB, letter PDF {len(letter_pdf) // 1024} KB")
        minutes_rows, letter_rows = [], []
        real_minutes_from = self.now - timedelta(weeks=MINUTES_WEEKS)
        real_letters_from = self.now - timedelta(weeks=LETTER_WEEKS)
        target_decision = self.decisions_by_meeting[self.minutes_meeting.id][0]["id"]

        def document(data: bytes, real: bool, label: str) -> dict:
            if not real:  # older documents: a small stand-in PDF, so the row exists at a sane size
                data = tiny_pdf(label + " (benchmark stand-in)")
            return dict(pdf=data, pdf_sha256=hashlib.sha256(data).hexdigest(), pdf_size=len(data))

        for m in self.meeting_list:
            if m.status != "signed":
                continue
            if m.id != self.minutes_meeting.id or minutes_version_id is None:
                real = m.signed_at >= real_minutes_from
                content = template["content_json"] if real else json.dumps({"stand_in": m.id})
                base = dict(
                    meeting_id=m.id,
                    board_id=m.board["id"],
                    content_json=content,
                    content_sha256=hashlib.sha256(content.encode()).hexdigest(),
                    signed_by_id=m.chair,
                    **document(pdf, real, f"Minutes {m.board['code']} {m.starts_at:%Y-%m-%d}"),
                )
                minutes_rows.append(
                    dict(
                        base,
                        number=1,
                        reason="Signed by the chair",
                        created_at=m.signed_at,
                        signed_at=m.signed_at,
                        superseded_at=(m.signed_at + 5 * D) if m.corrected else None,
                    )
                )
                if m.corrected:
                    at = m.signed_at + 5 * D
                    minutes_rows.append(
                        dict(
                            base,
                            number=2,
                            reason="Correction of a decision (dose corrected)",
                            created_at=at,
                            signed_at=at,
                            superseded_at=None,
                        )
                    )
            for decision in self.decisions_by_meeting.get(m.id, []):
                if letter_id is not None and decision["id"] == target_decision:
                    continue
                letter_rows.append(
                    dict(
                        decision_id=decision["id"],
                        case_id=decision["case_id"],
                        board_id=m.board["id"],
                        content_sha256=template["letter_sha"],
                        created_at=decision["published_at"],
                        **document(letter_pdf, m.signed_at >= real_letters_from, f"Decision letter {decision['id']}"),
                    )
                )
            if len(letter_rows) > 20_000:
                with db.engine.begin() as conn:
                    self.insert(conn, "decision_letters", letter_rows)
                letter_rows = []
        with db.engine.begin() as conn:
            self.insert(conn, "minutes_versions", minutes_rows)
            self.insert(conn, "decision_letters", letter_rows)
        if minutes_version_id is None:
            t = self.tables["minutes_versions"]
            with db.engine.connect() as conn:
                minutes_version_id = conn.execute(
                    sa.select(t.c.id).where(t.c.meeting_id == self.minutes_meeting.id)
                ).scalar()
        self.minutes_version_id = minutes_version_id

    # --- finishing ----------------------------------------------------------------------------

    def finish(self, url: str) -> None:
        engine = self.db.engine
        # Rows inserted in bulk bypass the session hook that keeps the search index.
        from mtb.cases import search as case_search

        t0 = time.perf_counter()
        with engine.begin() as conn:
            count = case_search.rebuild(conn)
        self.log(f"  search index of {count:,} cases in {time.perf_counter() - t0:.0f} s")
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                # Only the tables given explicit ids: their sequences must move past them.
                for name in EXPLICIT_IDS:
                    table = self.tables.get(name)
                    if table is not None and "id" in table.c and isinstance(table.c.id.type, sa.Integer):
                        conn.execute(
                            sa.text(
                                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false) '
                                f"WHERE pg_get_serial_sequence('{table.name}', 'id') IS NOT NULL"
                            )
                        )
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        else:
            with engine.connect() as conn:
                # As the scheduler's daily "statistics" job does in a running deployment.
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def meta(self, url: str) -> dict:
        thoracic = self.by_slug["thoracic"]
        shown = sorted(
            ((c.submitted_at or c.created_at, c.id) for c in self.cases
             if c.board is thoracic and c.status not in ("withdrawn", "draft")),
            reverse=True,
        )
        listed = len(shown)
        # The list pages by key: the middle page starts after this case (as its "Older" link says).
        middle = shown[max(0, (listed // 25 // 2) * 25 - 1)]
        target = self.target_case
        surname = target.patient[0].rsplit(" ", 1)[0]
        return {
            "key": dataset_key(self.total, self.seed),
            "cases": self.total,
            "seed": self.seed,
            "dialect": dialect_of(url),
            "generated_at": self.now.isoformat(),
            "rows": dict(sorted(self.counts.items())),
            "users": len(self.users),
            "board_roles_thoracic": sum(1 for r in self.roles if r["board_id"] == thoracic["id"]),
            "login_email": BENCH_EMAIL,
            "board": "thoracic",
            "thoracic_listed_cases": listed,
            "thoracic_middle_key": f"{middle[0].replace(tzinfo=None).isoformat()}~{middle[1]}",
            "case_id": target.id,
            "case_reference": target.reference,
            # Its submitter sees who opened it (the audit trail's panel): another page to measure.
            "case_submitter_email": self.users[target.submitter - 1]["email"],
            "patient_surname": surname,
            "patients_with_surname": sum(
                1 for c in self.cases if c.board is thoracic and c.patient[0].startswith(surname + " ")
            ),
            "live_meeting_id": self.live_meeting.id,
            "next_meeting_id": self.next_meeting["thoracic"].id,
            "next_meeting_starts_at": self.next_meeting["thoracic"].starts_at.isoformat(),
            "minutes_meeting_id": self.minutes_meeting.id,
            "minutes_version_id": self.minutes_version_id,
        }


#: Tables whose rows the generator numbers itself (so rows of other tables can point at them).
EXPLICIT_IDS = ("users", "meetings", "cases", "molecular_reports", "biomarkers", "agenda_items", "decisions",
                "recommendations", "trials")
#: The milestones of a recommendation's follow-up (the boards' default).
FOLLOW_UP_MONTHS = (3, 6, 12)
#: The site's trial registry, per board.
TRIALS_PER_BOARD = 40

BIOMARKER_KEYS = (
    "case_id",
    "position",
    "kind",
    "gene",
    "gene_3p",
    "transcript",
    "hgvs_c",
    "hgvs_p",
    "vaf",
    "cnv_type",
    "copy_number",
    "tmb",
    "msi_status",
    "pdl1_tps",
    "pdl1_cps",
    "pdl1_ic",
    "hrd_status",
    "hrd_score",
    "description",
    "assay",
    "specimen",
    "lab",
    "reported_on",
)


def _rendering_module():
    """Where the app renders and stores minutes and letters (it moved once already)."""
    import importlib

    for name in ("mtb.minutes.rendering", "mtb.minutes.services"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "create_minutes_version") and hasattr(module, "create_letter"):
            return module
    raise ImportError("no module of mtb.minutes has create_minutes_version and create_letter")


def wipe(url: str) -> None:
    """An empty database at ``url``: the SQLite file removed, or PostgreSQL's public schema dropped."""
    if dialect_of(url) == "sqlite":
        from pathlib import Path

        path = Path(url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def generate(url: str, cases: int = 100_000, seed: int = 1, log=print) -> dict:
    """Wipe the database at ``url``, migrate it, fill it; returns what the load test needs."""
    if cases < MIN_CASES:
        raise SystemExit(f"--cases must be at least {MIN_CASES}")
    started = time.perf_counter()
    log(f"Generating {cases:,} cases (seed {seed}) into {safe_url(url)}")
    wipe(url)
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        from mtb.accounts.passwords import hash_password

        gen = Generator(app, cases, seed, log)
        gen.boards()
        gen.people(hash_password(BENCH_PASSWORD))
        gen.meetings()
        gen.plan_cases()
        gen.identities()
        with gen.db.engine.begin() as conn:
            gen.build_and_insert(conn)
            gen.trials(conn)
            gen.follow_ups(conn)
        gen.documents()
        gen.finish(url)
        meta = gen.meta(url)
        gen.db.session.remove()
        gen.db.engine.dispose()
    meta["generation_seconds"] = round(time.perf_counter() - started, 1)
    log(f"Generated in {meta['generation_seconds']:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in meta["rows"].items()))
    return meta


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url",
        default=None,
        help="default: a SQLite file under benchmarks/.data/ (the database is WIPED first)",
    )
    parser.add_argument("--meta", default=None, help="write what the load test needs to this JSON file")
    args = parser.parse_args(argv)
    from benchmarks.common import ensure_data_dir

    url = args.database_url or f"sqlite:///{ensure_data_dir() / 'dataset.sqlite3'}"
    meta = generate(url, args.cases, args.seed)
    text = json.dumps(meta, indent=2)
    if args.meta:
        with open(args.meta, "w") as handle:
            handle.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
