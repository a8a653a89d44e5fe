"""Hostile input: hypothesis posts random and hostile values to every form and query
parameter of the main pages. Never a 500, and never a stored script: a value shown back
(in the form shown again, or in any page read later) is escaped, so the raw payload never
appears in a page's HTML, and no link takes a ``javascript:`` address.

The values: markup and script payloads, SQL-ish strings, format strings, paths, NUL bytes
and control characters, text in many scripts, very long strings, huge, negative and
non-finite numbers, and hypothesis' own text. Derandomised and bounded, so CI repeats the
same examples in well under a minute.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtb.accounts.models import Role
from mtb.boards.models import Board
from mtb.cases.models import Case
from mtb.extensions import db
from mtb.meetings.models import Meeting
from mtb.notifications.models import NotificationKind
from tests.decisions.helpers import form_post, targeted
from tests.fixtures.cases import case_form
from tests.fixtures.people import PASSWORD
from tests.test_access_table import build_world

#: Markup that must never come back raw in a page.
SCRIPTS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg/onload=alert(1)>")
PAYLOADS = (
    *SCRIPTS, '"><script>alert(1)</script>', "'><img src=x onerror=alert(1)>", "javascript:alert(1)",
    " JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "{{ 7*7 }}", "{% raw %}",
    "' OR '1'='1", "1; DROP TABLE cases; --", "%(x)s {0} %s %d %n {x.__class__}", "../../../etc/passwd",
    "..\\..\\windows\\win.ini", "/etc/passwd\x00.pdf", "\x00", "a\x00b", "\r\nSet-Cookie: x=1", "\t\x0b\x0c\x1b[31m",
    "", " ", "0", "-0", "-1", "1.5", "1e309", "-1e309", "NaN", "Infinity", "0x10", "٣", "²",
    "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808", "9" * 60,
    "Zoë Ω Ж 中文 日本語 한국어 عربي עברית हिन्दी 😀", "\u202eevil\u202c", "e\u0301\u0301\u0301", "\ufeff",
    "x" * 5_000, "<" * 300, "&amp;&lt;&#x3c;", "%3Cscript%3E", "${jndi:ldap://x/a}", "mailto:a@b", "//evil.example/",
    "https://evil.example/", "@", "a@b", "a" * 300 + "@example.org",
)
HOSTILE = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=30),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.dates().map(str),
)

#: Bounded and repeatable: the same examples on every run, no example database. A longer,
#: random hunt: MTB_HOSTILE_EXAMPLES=500 MTB_HOSTILE_RANDOM=1 make test PYTEST_ARGS=tests/test_hostile_input.py
BOUNDED = settings(
    max_examples=int(os.environ.get("MTB_HOSTILE_EXAMPLES", "25")), deadline=None,
    derandomize=not os.environ.get("MTB_HOSTILE_RANDOM"), database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_JS_LINK = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def answered(response, what: str) -> None:
    """Never a 500; in an HTML answer, no raw payload and no javascript: link."""
    assert response.status_code < 500, f"{what}: {response.status_code}"
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        for raw in SCRIPTS:
            assert raw not in html, f"{what}: {raw!r} came back unescaped"
        assert not _JS_LINK.search(html), f"{what}: a javascript: link"
    location = response.headers.get("Location")
    if location:
        # Never sent to another site (an open redirect after a form is a phishing aid).
        assert urlsplit(location).netloc in ("", "localhost"), f"{what}: redirect to {location}"


def some(fields) -> st.SearchStrategy[dict]:
    """A few of ``fields`` with hostile values."""
    return st.dictionaries(st.sampled_from(list(fields)), HOSTILE, min_size=1, max_size=4)


@pytest.fixture
def world(make_user, create_case, create_meeting, started_meeting, request_ctx):
    """The access table's data, and one person who may do everything: an administrator who
    is clinician, secretary, member and chair of the thoracic board."""
    data = build_world(make_user, create_case, create_meeting, started_meeting)
    data.omni = make_user("omni@example.org", {"thoracic": [r.value for r in Role]}, admin=True, name="Dr Omni")
    data.pool_case = create_case(submitter=data.omni, status="submitted", patient_name="Pool Case").id  # agenda
    return data


def reread(client, world, extra=()) -> None:
    """Every page that shows what was stored: nothing raw in any of them."""
    pages = [
        "/", "/cases/mine", "/boards/thoracic/cases", "/boards/thoracic/meetings", "/decisions",
        f"/meetings/{world.m1}", f"/meetings/{world.m1}/agenda", f"/meetings/{world.m2}/session",
        f"/meetings/{world.m2}/minutes", f"/meetings/{world.m3}/minutes", f"/decisions/{world.decision}",
        f"/meetings/{world.m2}/review", f"/meetings/{world.m2}/live", f"/meetings/{world.m2}/present",
        f"/decisions/{world.draft}", "/admin/users", f"/admin/users/{world.bystander}", "/admin/audit",
        "/admin/outbox", "/admin/genes", "/boards/thoracic/settings", "/account/notifications",
        *[f"/cases/{case_id}" for case_id in db.session.scalars(sa.select(Case.id))],
        *[f"/meetings/{meeting_id}" for meeting_id in db.session.scalars(sa.select(Meeting.id))],
        *extra,
    ]
    for page in pages:
        answered(client.get(page), f"GET {page} afterwards")


# --- Signing in -------------------------------------------------------------------

def test_login_form_and_its_next_parameter(client, world):
    @BOUNDED
    @given(email=HOSTILE, password=HOSTILE, target=HOSTILE)
    def examples(email, password, target):
        answered(client.post("/login", query_string={"next": target}, data={"email": email, "password": password}),
                 "POST /login")
        answered(client.get("/login", query_string={"next": target}), "GET /login")
        # Signed in, the next parameter is followed only within the site.
        answered(client.post("/login", query_string={"next": target},
                             data={"email": world.omni.email, "password": PASSWORD}), "POST /login (right password)")
        answered(client.post("/logout"), "POST /logout")

    examples()


# --- Cases --------------------------------------------------------------------------

CASE_FIELDS = (
    *case_form(), "no_molecular_report", "research_consent_other", "submission_key",
    "biomarkers-0-transcript", "biomarkers-0-gene_3p", "biomarkers-0-cnv_type", "biomarkers-0-copy_number",
    "biomarkers-0-tmb", "biomarkers-0-msi_status", "biomarkers-0-pdl1_tps", "biomarkers-0-pdl1_cps",
    "biomarkers-0-pdl1_ic", "biomarkers-0-hrd_status", "biomarkers-0-hrd_score", "biomarkers-0-description",
    "biomarkers-0-specimen", "biomarkers-0-lab", "biomarkers-0-biomarker_id", "biomarkers-1-kind",
    "biomarkers-1-gene", "biomarkers-7-hgvs_p", "biomarkers-99999999999-kind", "add_row", "remove_row", "use_symbol",
)


def test_case_form_new_edit_and_withdraw(client, login, world):
    login(world.omni)

    @BOUNDED
    @given(fields=some(CASE_FIELDS), action=st.sampled_from(["save", "submit"]) | HOSTILE, reason=HOSTILE)
    def examples(fields, action, reason):
        data = case_form(action=action, **fields)
        answered(client.post("/boards/thoracic/cases/new", data=data), f"POST new case {fields!r}")
        # The edit is based on the case's current version, so the values get past the conflict check.
        edit = {**data, "version": str(db.session.get(Case, world.case_s).version)}
        answered(client.post(f"/cases/{world.case_s}/edit", data=edit), f"POST case edit {edit!r}")
        answered(client.post(f"/cases/{world.case_a}/withdraw", data={"reason": reason}), "POST withdraw")

    examples()
    reread(client, world)


QUERY_PAGES = (
    "/boards/thoracic/cases", "/cases/mine", "/decisions", "/cases/icd10", "/admin/audit", "/admin/audit.csv",
    "/admin/outbox", "/meetings/{m2}/session", "/", "/boards/thoracic/meetings", "/meetings/{m1}/agenda",
    "/cases/new", "/boards/thoracic/cases/new", "/account/notifications", "/login",
)
QUERY_PARAMETERS = ("q", "status", "page", "board", "action", "who", "text", "code", "item", "next", "per_page", "sort")
SEGMENT_PAGES = ("/boards/{}/cases", "/boards/{}/meetings", "/boards/{}/settings", "/boards/{}/meetings/new",
                 "/cases/{}", "/calendar/{}.ics", "/decisions/{}")


def test_lists_filters_search_pages_and_path_segments(client, login, world):
    login(world.omni)

    @BOUNDED
    @given(page=st.sampled_from(QUERY_PAGES), parameters=some(QUERY_PARAMETERS), segment=HOSTILE)
    def examples(page, parameters, segment):
        url = page.format(m1=world.m1, m2=world.m2)
        answered(client.get(url, query_string=parameters), f"GET {url} {parameters!r}")
        for template in SEGMENT_PAGES:
            target = template.format(quote(segment, safe="") or "x")
            answered(client.get(target), f"GET {target}")

    examples()


@pytest.mark.parametrize("raw", [b"q=%ff%fe", b"page=%c0%af", b"q=%00", b"status=%e2%80", b"q=" + b"%41" * 5000,
                                 b"page=1&page=2&page=-1", b"q&status&page", b"page=%EF%BC%91"])
def test_query_strings_that_are_not_utf8_or_repeat(client, login, world, raw):
    login(world.omni)
    for page in ("/boards/thoracic/cases", "/cases/mine", "/admin/audit", "/admin/audit.csv", "/decisions",
                 "/admin/outbox", "/cases/icd10", f"/meetings/{world.m2}/session"):
        answered(client.get(page, query_string=raw.decode("ascii")), f"GET {page}?{raw[:40]!r}")


def test_a_nul_byte_anywhere_in_a_query_or_a_form_is_a_400(client, login, world):
    """Also in the second value of a repeated field, in a field's name, in the path (PostgreSQL
    refuses NUL in text)."""
    login(world.omni)
    for path in ("/boards/%00/cases", "/boards/thoracic%00/meetings", "/calendar/%00.ics", "/cases/1%00"):
        assert client.get(path).status_code in (400, 404), path
    for raw in ("q=a&q=%00", "a%00b=1", "kinds=meeting_agenda&kinds=x%00"):
        assert client.get("/boards/thoracic/cases", query_string=raw).status_code == 400, raw
        response = client.post("/account/notifications", data=raw, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400, raw


# --- Meetings and agendas --------------------------------------------------------------

AGENDA_ACTIONS = ("add", "add-proposed", "remove", "move", "reorder", "item", "publish")
AGENDA_FIELDS = ("case_id", "item_id", "version", "direction", "order", "minutes", "presenter_id")
#: Sometimes the real values, so that the hostile ones get past the version check.
REAL = ("@version", "@case", "@item")


def test_agenda_builder_actions(client, login, world):
    login(world.omni)

    @BOUNDED
    @given(action=st.sampled_from(AGENDA_ACTIONS),
           fields=st.dictionaries(st.sampled_from(AGENDA_FIELDS), HOSTILE | st.sampled_from(REAL), max_size=5))
    def examples(action, fields):
        meeting = db.session.get(Meeting, world.m1)
        real = {"@version": str(meeting.agenda_version), "@case": str(world.pool_case),
                "@item": str(meeting.items[0].id) if meeting.items else "1"}
        data = {key: real.get(value, value) for key, value in fields.items()}
        data.setdefault("version", real["@version"])
        answered(client.post(f"/meetings/{world.m1}/agenda/{action}", data=data), f"POST agenda/{action} {data!r}")

    examples()
    reread(client, world)


MEETING_FIELDS = ("date", "time", "duration_minutes", "location", "video_link")


def test_meeting_add_move_and_cancel_forms(client, login, world):
    login(world.omni)

    @BOUNDED
    @given(fields=some(MEETING_FIELDS), reason=HOSTILE)
    def examples(fields, reason):
        data = {"date": "2031-03-04", "time": "14:00", "duration_minutes": "60", **fields}
        answered(client.post("/boards/thoracic/meetings/new", data=data), f"POST new meeting {data!r}")
        answered(client.post(f"/meetings/{world.m1}/move", data=data), f"POST move meeting {data!r}")
        answered(client.post(f"/meetings/{world.m1}/cancel", data={"reason": reason}), "POST cancel meeting")

    examples()
    reread(client, world, extra=[f"/meetings/{world.m1}.ics"])


# --- The session and decisions -----------------------------------------------------------

DECISION_FIELDS = (
    "summary", "row_version", "correction_reason", "action", "remove", "then", "item", "submission_key",
    *(f"recommendations-{i}-{name}" for i in (0, 1, 40) for name in (
        "kind", "drug", "biomarker_id", "escat_tier", "oncokb_level", "access_route", "trial_id", "trial_site",
        "test_name", "test_sample", "rationale")),
)
SESSION_FORMS = {
    "attendance": ("specialty-1", "specialty-2", "item"),
    "guests": ("guest-guest_name", "guest-guest_role", "item"),
    "items/{i1}/conflicts": ("conflict-member_id", "conflict-note"),
    "items/{i2}/conflicts": ("conflict-member_id", "conflict-note"),
    "items/{i1}/decision": DECISION_FIELDS,
    "items/{i2}/decision": DECISION_FIELDS,
    "items/{i2}/defer": ("defer-note",),
    "items/{i3}/undefer": ("defer-note",),
    "guests/{guest}/remove": ("item",),
    "items/{i1}/conflicts/{recusal}/remove": ("item",),
    "session/start": ("start-confirm_early", "submission_key"),
    "session/add-case": ("late-case_id", "item", "attendance-carried", "submission_key"),
    "items/{i1}/take-off": ("item", "submission_key"),
}


def test_session_forms(client, login, world):
    login(world.omni)

    @BOUNDED
    @given(form=st.sampled_from(sorted(SESSION_FORMS)), data=st.data())
    def examples(form, data):
        fields = data.draw(some(SESSION_FORMS[form]), label="fields")
        if form == "attendance":
            fields["present"] = data.draw(st.lists(HOSTILE | st.just(str(world.omni.id)), max_size=3), label="present")
        path = form.format(i1=world.i1, i2=world.i2, i3=world.i3, guest=world.guest, recusal=world.recusal)
        answered(client.post(f"/meetings/{world.m2}/{path}", data=fields), f"POST {path} {fields!r}")
        answered(client.get(f"/meetings/{world.m2}/session", query_string={"item": fields.get("item", "x")}),
                 "GET session?item=")

    examples()
    reread(client, world)


def test_decision_correction_and_validation(client, login, world):
    login(world.omni)

    @BOUNDED
    @given(fields=some(DECISION_FIELDS), back=HOSTILE)
    def examples(fields, back):
        answered(client.post(f"/decisions/{world.decision}/correct", data=fields), f"POST correct {fields!r}")
        answered(client.post(f"/decisions/{world.draft}/validate", data={"back": back}), "POST validate")

    examples()
    reread(client, world)


# --- Administration, settings, preferences ----------------------------------------------

USER_FIELDS = ("email", "full_name", "password", "specialty", "active", "is_admin", "role-1-clinician",
               "role-1-chair", "role-99999-secretary", "role-x-y")


def test_admin_user_form(client, login, world):
    login(world.omni)

    @BOUNDED
    @given(fields=some(USER_FIELDS))
    def examples(fields):
        data = {"email": "new.person@example.org", "full_name": "New Person", "password": "a long enough password",
                "active": "y", **fields}
        answered(client.post("/admin/users/new", data=data), f"POST new user {data!r}")
        answered(client.post(f"/admin/users/{world.bystander}", data=data), f"POST edit user {data!r}")

    examples()
    reread(client, world)


BOARD_FIELDS = ("name", "cadence_rrule", "cadence_anchor", "meeting_length_minutes", "minutes_per_case",
                "cutoff_hours", "location", "video_link", "quorum_specialties", "identity_in_minutes")


def test_board_settings(client, login, world):
    login(world.omni)
    board = db.session.scalar(sa.select(Board).where(Board.slug == "thoracic"))
    valid = {"name": board.name, "cadence_rrule": board.cadence_rrule, "cadence_anchor": str(board.cadence_anchor),
             "meeting_length_minutes": str(board.meeting_length_minutes),
             "minutes_per_case": str(board.minutes_per_case), "cutoff_hours": str(board.cutoff_hours)}

    @BOUNDED
    @given(fields=some(BOARD_FIELDS))
    def examples(fields):
        answered(client.post("/boards/thoracic/settings", data={**valid, **fields}), f"POST settings {fields!r}")

    examples()
    reread(client, world, extra=[f"/meetings/{world.m1}.ics"])


OWN_FIELDS = ("current_password", "new_password", "confirm", "symbol", "chromosome", "note")


def test_preferences_language_password_and_gene_symbols(client, login, world):
    login(world.omni)

    @BOUNDED
    @given(kinds=st.lists(HOSTILE | st.sampled_from([k.value for k in NotificationKind]), max_size=4),
           locale=HOSTILE | st.sampled_from(["en", "fr"]), target=HOSTILE, fields=some(OWN_FIELDS))
    def examples(kinds, locale, target, fields):
        answered(client.post("/account/notifications", data={"kinds": kinds}), f"POST notifications {kinds!r}")
        answered(client.post("/account/language", data={"locale": locale, "next": target}), "POST language")
        answered(client.post("/account/password", data=fields), f"POST password {fields!r}")
        answered(client.post("/admin/genes", data=fields), f"POST genes {fields!r}")
        answered(client.post(f"/admin/outbox/{world.message}/retry", query_string={"status": target}), "POST retry")

    examples()
    reread(client, world)


# --- Values that once gave a 500 --------------------------------------------------------

def test_values_that_once_gave_a_500(client, login, world):
    """Found by the examples above: ids PostgreSQL cannot hold (an integer out of range on
    the agenda's case and presenter), and digits that are not ASCII ("²".isdigit() is true,
    int("²") fails) in a conflict's member, a decision's row version, a cadence rule."""
    login(world.omni)
    meeting = db.session.get(Meeting, world.m1)
    version, item = str(meeting.agenda_version), str(meeting.items[0].id)
    board = db.session.scalar(sa.select(Board).where(Board.slug == "thoracic"))
    settings_form = {"name": board.name, "cadence_anchor": str(board.cadence_anchor),
                     "meeting_length_minutes": str(board.meeting_length_minutes),
                     "minutes_per_case": str(board.minutes_per_case), "cutoff_hours": str(board.cutoff_hours)}
    posts = [
        (f"/meetings/{world.m1}/agenda/add", {"case_id": "2147483648", "version": version}, {422}),
        (f"/meetings/{world.m1}/agenda/item",
         {"item_id": item, "minutes": "5", "presenter_id": "2147483648", "version": version}, {422}),
        (f"/meetings/{world.m2}/items/{world.i1}/conflicts", {"conflict-member_id": "²"}, {422}),
        # The form shown again with what is missing (or the other's version, on a conflict).
        (f"/meetings/{world.m2}/items/{world.i2}/decision", {"row_version": "²", "summary": "x"}, {200, 400, 409}),
        *[("/boards/thoracic/settings", {**settings_form, "cadence_rrule": rule}, {200}) for rule in (
            "FREQ=WEEKLY;INTERVAL=²;BYDAY=TU;BYHOUR=14;BYMINUTE=0", "FREQ=WEEKLY;BYDAY=TU;BYHOUR=²;BYMINUTE=0",
            "FREQ=WEEKLY;BYDAY=TU;BYHOUR=14;BYMINUTE=0;COUNT=²")],
    ]
    for url, data, statuses in posts:
        response = client.post(url, data=data)
        answered(response, f"POST {url} {data!r}")
        assert response.status_code in statuses, f"POST {url} {data!r}: {response.status_code}"


# --- A script typed everywhere is stored, and shown escaped -------------------------------

SCRIPT = SCRIPTS[0]


def test_a_script_typed_into_every_text_field_is_stored_and_shown_escaped(client, login, world):
    """Not random: each form saved for real with the payload in its free-text fields, then
    every page that shows them read back."""
    login(world.omni)
    m2 = db.session.get(Meeting, world.m2)
    i2 = next(item for item in m2.items if item.id == world.i2)
    chair = world.users["chair"]
    saved = {
        "case": client.post("/boards/thoracic/cases/new", data=case_form(
            action="submit", patient_name=f"{SCRIPT} Martin", diagnosis=SCRIPT, clinical_question=SCRIPT,
            prior_treatments=SCRIPT, **{"biomarkers-0-assay": SCRIPT})),
        "meeting": client.post("/boards/thoracic/meetings/new", data={
            "date": "2031-03-04", "time": "14:00", "duration_minutes": "60", "location": SCRIPT}),
        "guest": client.post(f"/meetings/{world.m2}/guests",
                             data={"guest-guest_name": SCRIPT, "guest-guest_role": SCRIPT}),
        "conflict": client.post(f"/meetings/{world.m2}/items/{world.i1}/conflicts",
                                data={"conflict-member_id": str(chair.id), "conflict-note": SCRIPT}),
        "decision": client.post(f"/meetings/{world.m2}/items/{world.i2}/decision", data=form_post(
            SCRIPT, [targeted(i2.case, drug=SCRIPT, rationale=SCRIPT)])),
        "correction": client.post(f"/decisions/{world.decision}/correct", data=form_post(
            SCRIPT, [{"kind": "clinical_trial", "trial_id": "NCT05261399", "trial_site": SCRIPT}],
            correction_reason=SCRIPT)),
        "user": client.post(f"/admin/users/{world.bystander}", data={
            "email": "bystander@example.org", "full_name": SCRIPT, "active": "y", "role-1-member": "y"}),
        "cancel": client.post(f"/meetings/{world.m1}/cancel", data={"reason": SCRIPT}),
    }
    board = db.session.scalar(sa.select(Board).where(Board.slug == "thoracic"))
    saved["board"] = client.post("/boards/thoracic/settings", data={
        "name": SCRIPT, "cadence_rrule": board.cadence_rrule, "cadence_anchor": str(board.cadence_anchor),
        "meeting_length_minutes": str(board.meeting_length_minutes), "minutes_per_case": str(board.minutes_per_case),
        "cutoff_hours": str(board.cutoff_hours), "location": SCRIPT,
        "quorum_specialties": "\n".join(board.quorum_specialties or [])})
    for what, response in saved.items():
        answered(response, f"saving the {what}")
        assert response.status_code == 302, f"the {what} was not saved: {response.status_code}"
    case_id = db.session.scalar(sa.select(Case.id).where(Case.diagnosis == SCRIPT))
    assert case_id is not None
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for page in (f"/cases/{case_id}", f"/meetings/{world.m2}/session?item={world.i2}", "/admin/users",
                 "/boards/thoracic/settings", f"/decisions/{world.decision}"):
        assert escaped in client.get(page).get_data(as_text=True), f"the payload is shown, escaped, on {page}"
    reread(client, world, extra=[f"/meetings/{world.m2}/session?item={world.i2}", "/admin/audit?text=script"])
