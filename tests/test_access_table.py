"""One access table: for every route of ``app.url_map`` and every kind of visitor, the
answer MTB gives, checked with real requests on real data.

The policy (``mtb/access.py``): what a visitor may not see answers 404, like an unknown
id; what they see but may not do answers 403; a visitor who is not signed in is sent
to the login page; every refusal of a patient object is in the audit trail.

How to read ``TABLE``: one row per URL rule, one column per visitor (``VISITORS``):

- ``200``, ``400``, ``409``, ``422``: that status;
- ``302``: a redirect somewhere other than the login page (done, or a message shown);
- ``LOGIN``: a redirect to the login page (not signed in);
- ``403`` / ``404``: refused.

Pages (rules with GET) are checked with a GET; POST-only rules with a POST of an empty
form (CSRF is off in the test app): the access decision comes before any validation.
Rules with both GET and POST are also posted to: a visitor refused the page is refused
the POST with the same answer, and a visitor allowed the page never gets 403/404/500.
A GET to a POST-only rule answers 405. The most specific id of a URL replaced by an
unknown one answers 404 (unless a refusal comes first). Requests are never committed, so
each cell sees the same data, whatever came before.

A new route fails ``test_every_route_is_in_the_table`` until its row is added here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from mtb.accounts import services as accounts
from mtb.audit import services as audit_services
from mtb.cases import services as case_services
from mtb.cases.uploads import Upload
from mtb.decisions import services as decision_services
from mtb.decisions.attendance import add_guest, declare_conflict, declare_own_conflict, record_attendance
from mtb.decisions.queries import latest_decision
from mtb.decisions.session import close_meeting
from mtb.exports import services as export_services
from mtb.extensions import db
from mtb.meetings import services as meeting_services
from mtb.meetings.models import ItemOutcome, MeetingStatus
from mtb.minutes import rendering
from mtb.minutes import services as minutes_services
from mtb.minutes.models import DecisionLetter
from mtb.notifications.models import OutboxMessage
from mtb.trials import services as trial_services
from tests.decisions.helpers import targeted
from tests.fixtures.cases import MINIMAL_PDF

LOGIN = "login"

VISITORS = ("anonymous", "submitter", "colleague", "outsider", "secretary", "member", "chair", "admin", "norole")
#: Who each visitor is (``anonymous`` is not signed in).
VISITOR_ROLES = {
    "submitter": {"thoracic": ["clinician"]},   # the clinician who submitted the cases
    "colleague": {"thoracic": ["clinician"]},   # another clinician of the same board
    "outsider": {"paediatric": ["clinician"]},  # a clinician of another board
    "secretary": {"thoracic": ["secretary"]},
    "member": {"thoracic": ["member"]},
    "chair": {"thoracic": ["member", "chair"]},
    "admin": {},                                # a site administrator, no board role
    "norole": {},                               # signed in, no role anywhere
}

# A: case A (scheduled, on meeting M1's published agenda, with a report file).
# S: case S (submitted, editable).  D: case D (a draft).
# M1: a published meeting next week.  M2: a meeting in session (items i1 with a draft
# decision and a recusal, i2 pending, i3 deferred with the chair's own declared conflict; a guest).  M3: a signed meeting
# (decision V validated and published, its minutes and its letter).
# fmt: off
TABLE: dict[str, tuple] = {
    # rule                                                     anon   subm   coll   outs   secr   memb   chair  admin  norole
    "/":                                                      (LOGIN, 200,   200,   200,   200,   200,   200,   200,   200),
    "/healthz":                                               (200,   200,   200,   200,   200,   200,   200,   200,   200),
    "/login":                                                 (200,   302,   302,   302,   302,   302,   302,   302,   302),
    # Signing in through OpenID Connect: not configured in the test app, so the pages do not exist.
    "/login/oidc":                                            (404,   404,   404,   404,   404,   404,   404,   404,   404),
    "/login/oidc/callback":                                   (404,   404,   404,   404,   404,   404,   404,   404,   404),
    "/logout":                                                (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    "/account/password":                                      (LOGIN, 200,   200,   200,   200,   200,   200,   200,   200),
    "/account/language":                                      (LOGIN, 400,   400,   400,   400,   400,   400,   400,   400),
    "/account/notifications":                                 (LOGIN, 200,   200,   200,   200,   200,   200,   200,   200),
    "/account/calendar":                                      (LOGIN, 302,   302,   302,   302,   302,   302,   302,   302),
    "/calendar/<token>.ics":                                  (200,   200,   200,   200,   200,   200,   200,   200,   200),
    # Administration
    "/admin/users":                                           (LOGIN, 403,   403,   403,   403,   403,   403,   200,   403),
    "/admin/users/new":                                       (LOGIN, 403,   403,   403,   403,   403,   403,   200,   403),
    "/admin/users/<int:user_id>":                             (LOGIN, 403,   403,   403,   403,   403,   403,   200,   403),
    "/admin/users/<int:user_id>/link":                        (LOGIN, 403,   403,   403,   403,   403,   403,   302,   403),
    "/admin/audit":                                           (LOGIN, 403,   403,   403,   403,   403,   403,   200,   403),
    "/admin/audit.csv":                                       (LOGIN, 403,   403,   403,   403,   403,   403,   200,   403),
    "/admin/outbox":                                          (LOGIN, 403,   403,   403,   403,   403,   403,   200,   403),
    "/admin/outbox/<int:message_id>/retry":                   (LOGIN, 403,   403,   403,   403,   403,   403,   302,   403),
    "/admin/genes":                                           (LOGIN, 403,   403,   403,   403,   403,   403,   200,   403),
    "/admin/integrations":                                    (LOGIN, 403,   403,   403,   403,   403,   403,   200,   403),
    "/admin/integrations/<int:account_id>/revoke":            (LOGIN, 403,   403,   403,   403,   403,   403,   302,   403),
    # A board (boards are no secret: 403, not 404)
    "/boards/<slug>/settings":                                (LOGIN, 403,   403,   403,   200,   403,   403,   200,   403),
    "/boards/<slug>/cases":                                   (LOGIN, 200,   200,   403,   200,   200,   200,   403,   403),
    "/boards/<slug>/cases/new":                               (LOGIN, 200,   200,   403,   403,   403,   403,   403,   403),
    "/boards/<slug>/meetings":                                (LOGIN, 200,   200,   403,   200,   200,   200,   403,   403),
    "/boards/<slug>/meetings/new":                            (LOGIN, 403,   403,   403,   200,   403,   403,   403,   403),
    # Cases
    "/cases/mine":                                            (LOGIN, 200,   200,   200,   200,   200,   200,   200,   200),
    "/cases/new":                                             (LOGIN, 302,   302,   302,   403,   403,   403,   403,   403),
    "/cases/icd10":                                           (LOGIN, 200,   200,   200,   200,   200,   200,   200,   200),
    "/cases/check":                                           (LOGIN, 400,   400,   400,   400,   400,   400,   400,   400),  # no field named
    "/cases/<int:case_id>":                                   (LOGIN, 200,   200,   404,   200,   200,   200,   404,   404),  # A
    "/cases/<int:case_id>/edit":                              (LOGIN, 200,   403,   404,   200,   403,   403,   404,   404),  # S
    "/cases/<int:case_id>/submit":                            (LOGIN, 200,   404,   404,   404,   404,   404,   404,   404),  # D
    "/cases/<int:case_id>/withdraw":                          (LOGIN, 200,   403,   404,   200,   403,   403,   404,   404),  # A
    "/cases/<int:case_id>/attachments":                       (LOGIN, 422,   403,   404,   422,   403,   403,   404,   404),  # A
    "/cases/<int:case_id>/attachments/<int:attachment_id>":   (LOGIN, 200,   200,   404,   200,   200,   200,   404,   404),  # A
    "/cases/<int:case_id>/attachments/<int:attachment_id>/remove":
                                                              (LOGIN, 302,   403,   404,   302,   403,   403,   404,   404),  # A
    # Meetings and agendas (M1)
    "/meetings/<int:meeting_id>":                             (LOGIN, 200,   200,   404,   200,   200,   200,   404,   404),
    "/meetings/<int:meeting_id>.ics":                         (LOGIN, 200,   200,   404,   200,   200,   200,   404,   404),
    "/meetings/<int:meeting_id>/move":                        (LOGIN, 403,   403,   404,   200,   403,   403,   404,   404),
    "/meetings/<int:meeting_id>/cancel":                      (LOGIN, 403,   403,   404,   200,   403,   403,   404,   404),
    "/meetings/<int:meeting_id>/agenda":                      (LOGIN, 403,   403,   404,   200,   403,   403,   404,   404),
    "/meetings/<int:meeting_id>/agenda/edit":                 (LOGIN, 403,   403,   404,   422,   403,   403,   404,   404),
    "/meetings/<int:meeting_id>/agenda/add":                  (LOGIN, 403,   403,   404,   422,   403,   403,   404,   404),
    "/meetings/<int:meeting_id>/agenda/add-proposed":         (LOGIN, 403,   403,   404,   422,   403,   403,   404,   404),
    "/meetings/<int:meeting_id>/agenda/remove":               (LOGIN, 403,   403,   404,   422,   403,   403,   404,   404),
    "/meetings/<int:meeting_id>/agenda/move":                 (LOGIN, 403,   403,   404,   422,   403,   403,   404,   404),
    "/meetings/<int:meeting_id>/agenda/reorder":              (LOGIN, 403,   403,   404,   422,   403,   403,   404,   404),
    "/meetings/<int:meeting_id>/agenda/item":                 (LOGIN, 403,   403,   404,   422,   403,   403,   404,   404),
    "/meetings/<int:meeting_id>/agenda/publish":              (LOGIN, 403,   403,   404,   422,   403,   403,   404,   404),
    # The session (M2, in session): its secretaries and chairs
    "/meetings/<int:meeting_id>/session":                     (LOGIN, 403,   403,   404,   200,   403,   200,   404,   404),
    "/meetings/<int:meeting_id>/review":                      (LOGIN, 403,   403,   404,   200,   403,   200,   404,   404),
    "/meetings/<int:meeting_id>/review/validate-all":         (LOGIN, 403,   403,   404,   403,   403,   302,   404,   404),
    "/meetings/<int:meeting_id>/minutes/preview.pdf":         (LOGIN, 403,   403,   404,   200,   403,   200,   404,   404),
    "/meetings/<int:meeting_id>/live":                        (LOGIN, 200,   200,   404,   200,   200,   200,   404,   404),
    "/meetings/<int:meeting_id>/live.json":                   (LOGIN, 200,   200,   404,   200,   200,   200,   404,   404),
    "/meetings/<int:meeting_id>/present":                     (LOGIN, 200,   200,   404,   200,   200,   200,   404,   404),
    "/meetings/<int:meeting_id>/items/<int:item_id>/my-conflict":  # i2
                                                              (LOGIN, 403,   403,   404,   403,   302,   302,   404,   404),
    "/meetings/<int:meeting_id>/items/<int:item_id>/my-conflict/withdraw":  # i3: the chair's own declaration
                                                              (LOGIN, 403,   403,   404,   403,   404,   302,   404,   404),
    "/meetings/<int:meeting_id>/session/start":               (LOGIN, 403,   403,   404,   302,   403,   302,   404,   404),
    "/meetings/<int:meeting_id>/session/close":               (LOGIN, 403,   403,   404,   302,   403,   302,   404,   404),
    "/meetings/<int:meeting_id>/session/add-case":            (LOGIN, 403,   403,   404,   422,   403,   422,   404,   404),
    "/meetings/<int:meeting_id>/attendance":                  (LOGIN, 403,   403,   404,   302,   403,   302,   404,   404),
    "/meetings/<int:meeting_id>/guests":                      (LOGIN, 403,   403,   404,   422,   403,   422,   404,   404),
    "/meetings/<int:meeting_id>/guests/<int:attendance_id>/remove":
                                                              (LOGIN, 403,   403,   404,   302,   403,   302,   404,   404),
    "/meetings/<int:meeting_id>/items/<int:item_id>/conflicts":
                                                              (LOGIN, 403,   403,   404,   422,   403,   422,   404,   404),
    "/meetings/<int:meeting_id>/items/<int:item_id>/conflicts/<int:recusal_id>/remove":
                                                              (LOGIN, 403,   403,   404,   302,   403,   302,   404,   404),
    "/meetings/<int:meeting_id>/items/<int:item_id>/decision":
                                                              (LOGIN, 403,   403,   404,   409,   403,   409,   404,   404),
    "/meetings/<int:meeting_id>/items/<int:item_id>/defer":   (LOGIN, 403,   403,   404,   302,   403,   302,   404,   404),  # i2
    "/meetings/<int:meeting_id>/items/<int:item_id>/undefer": (LOGIN, 403,   403,   404,   302,   403,   302,   404,   404),  # i3
    "/meetings/<int:meeting_id>/items/<int:item_id>/take-off": (LOGIN, 403,  403,   404,   302,   403,   302,   404,   404),  # i1: not added in session
    # Decisions: V (published) for reading and correcting, M2's draft for validating
    "/decisions":                                             (LOGIN, 200,   200,   200,   200,   200,   200,   200,   200),
    "/decisions/<int:decision_id>":                           (LOGIN, 200,   200,   404,   200,   200,   200,   404,   404),
    "/decisions/<int:decision_id>/correct":                   (LOGIN, 403,   403,   404,   200,   403,   200,   404,   404),
    "/decisions/<int:decision_id>/validate":                  (LOGIN, 403,   403,   404,   403,   403,   302,   404,   404),
    "/decisions/<int:decision_id>/fhir.json":                 (LOGIN, 200,   200,   404,   200,   200,   200,   404,   404),
    # The FHIR API reads with an integration account's bearer token, never a signed-in session
    # (tests/exports/test_api.py checks tokens, boards and revocation).
    "/api/fhir/decisions/<int:decision_id>":                  (401,   401,   401,   401,   401,   401,   401,   401,   401),
    "/api/fhir/boards/<slug>/decisions":                      (401,   401,   401,   401,   401,   401,   401,   401,   401),
    # Minutes (M3, signed)
    "/meetings/<int:meeting_id>/minutes":                     (LOGIN, 200,   200,   404,   200,   200,   200,   404,   404),
    "/meetings/<int:meeting_id>/minutes/sign":                (LOGIN, 403,   403,   404,   403,   403,   302,   404,   404),
    "/minutes/<int:version_id>.pdf":                          (LOGIN, 200,   200,   404,   200,   200,   200,   404,   404),
    "/letters/<int:letter_id>.pdf":                           (LOGIN, 200,   200,   404,   200,   200,   200,   404,   404),
    # Variants from a VCF attachment (A's report file: the page answers that it is not a VCF)
    "/cases/<int:case_id>/attachments/<int:attachment_id>/variants":
                                                              (LOGIN, 422,   403,   404,   422,   403,   403,   404,   404),
    # The trial registry (T: a thoracic trial)
    "/trials":                                                (LOGIN, 200,   200,   200,   200,   200,   200,   200,   403),
    "/trials/new":                                            (LOGIN, 403,   403,   403,   200,   403,   403,   200,   403),
    "/trials/import":                                         (LOGIN, 403,   403,   403,   200,   403,   403,   200,   403),
    "/trials/<int:trial_id>/edit":                            (LOGIN, 403,   403,   404,   200,   403,   403,   200,   404),
    # Outcomes (V's recommendation, 3 months)
    "/outcomes":                                              (LOGIN, 200,   200,   200,   302,   302,   302,   200,   200),
    "/outcomes/boards/<slug>":                                (LOGIN, 403,   403,   403,   200,   200,   200,   200,   403),
    "/outcomes/boards/<slug>/follow-ups":                     (LOGIN, 403,   403,   403,   200,   403,   403,   200,   403),
    "/outcomes/boards/<slug>/export":                         (LOGIN, 403,   403,   403,   403,   403,   403,   200,   403),
    "/outcomes/recommendations/<int:recommendation_id>/follow-up/<int:months>":
                                                              (LOGIN, 200,   403,   404,   200,   403,   403,   404,   404),
}
# fmt: on

def url_for_rule(rule: str, w: World) -> str:
    """The rule's URL on the data: which object each rule names (see the comments of TABLE)."""
    meeting_by_prefix = {
        "/meetings/<int:meeting_id>/session": w.m2, "/meetings/<int:meeting_id>/attendance": w.m2,
        "/meetings/<int:meeting_id>/guests": w.m2, "/meetings/<int:meeting_id>/items": w.m2,
        "/meetings/<int:meeting_id>/review": w.m2, "/meetings/<int:meeting_id>/live": w.m2,
        "/meetings/<int:meeting_id>/present": w.m2, "/meetings/<int:meeting_id>/minutes/preview": w.m2,
        "/meetings/<int:meeting_id>/minutes": w.m3,
    }
    meeting = next((m for prefix, m in meeting_by_prefix.items() if rule.startswith(prefix)), w.m1)
    case = {"/cases/<int:case_id>/edit": w.case_s, "/cases/<int:case_id>/submit": w.case_d}.get(rule, w.case_a)
    item = {"defer": w.i2, "undefer": w.i3, "my-conflict": w.i2, "withdraw": w.i3}.get(rule.rsplit("/", 1)[-1], w.i1)
    decision = w.draft if rule.endswith("/validate") else w.decision
    values = {
        "<token>": w.calendar_token, "<slug>": "thoracic", "<int:user_id>": str(w.bystander),
        "<int:message_id>": str(w.message), "<int:case_id>": str(case), "<int:attachment_id>": str(w.attachment),
        "<int:meeting_id>": str(meeting), "<int:attendance_id>": str(w.guest), "<int:item_id>": str(item),
        "<int:recusal_id>": str(w.recusal), "<int:decision_id>": str(decision), "<int:version_id>": str(w.minutes),
        "<int:letter_id>": str(w.letter), "<int:account_id>": str(w.integration),
        "<int:recommendation_id>": str(w.recommendation), "<int:months>": "3", "<int:trial_id>": str(w.trial),
    }
    url = rule
    for placeholder, value in values.items():
        url = url.replace(placeholder, value)
    assert "<" not in url, f"no value for a placeholder of {rule}"
    return url


#: Refusals that are not of a patient object, so not required in the audit trail.
UNAUDITED = {
    "/login/oidc": "OpenID Connect is not configured: the page does not exist",
    "/login/oidc/callback": "OpenID Connect is not configured: the page does not exist",
}
REFUSED = {LOGIN, 403, 404}
#: An allowed visitor's empty POST: done, or the form shown again (400, 409, 422): never refused, never a 500.
ALLOWED = {200, 302, 303, 400, 409, 422}
#: An id no row has (the database could hold it: the lookup runs).
UNKNOWN_ID = str(2**31 - 1)


def _unknown_last_id(rule: str, url: str) -> str:
    """The URL with its most specific id replaced by one that names nothing."""
    rule_parts, url_parts = rule.split("/"), url.split("/")
    last = max(i for i, part in enumerate(rule_parts) if "<int:" in part)
    url_parts[last] = rule_parts[last].replace(rule_parts[last][rule_parts[last].index("<"):rule_parts[last].index(">") + 1], UNKNOWN_ID)
    return "/".join(url_parts)


def _unknown_id_answers(rule: str, visitor: str, expected) -> set:
    """An unknown id answers 404, like an object the visitor may not see; a refusal that
    comes first (signing in, the administrator's role, the meeting of an item) stays."""
    if expected in (LOGIN, 401):
        return {expected}
    if rule.startswith("/admin/") and visitor != "admin":
        return {403}
    if expected == 403 and rule.count("<int:") > 1:
        return {403, 404}
    return {404}


def _show(wanted: set) -> str:
    return " or ".join(sorted(map(str, wanted)))


@dataclass
class World:
    """Ids of the data every cell is checked on."""

    users: dict
    bystander: int
    calendar_token: str
    case_a: int
    case_s: int
    case_d: int
    attachment: int
    m1: int
    m2: int
    m3: int
    i1: int
    i2: int
    i3: int
    guest: int
    recusal: int
    draft: int
    decision: int
    recommendation: int
    trial: int
    minutes: int
    letter: int
    message: int
    integration: int


def build_world(make_user, create_case, create_meeting, started_meeting) -> World:
    """Real data, made through the services: thoracic board, one case at each step."""
    users = {name: make_user(f"{name}@example.org", roles, admin=name == "admin", name=f"Dr {name.title()}")
             for name, roles in VISITOR_ROLES.items()}
    submitter, secretary, chair = users["submitter"], users["secretary"], users["chair"]
    bystander = make_user("bystander@example.org", {"thoracic": ["member"]}, name="Dr Bystander")
    token = accounts.calendar_token(bystander)

    # Case A on M1's published agenda, with a report file.
    case_a = create_case(submitter=submitter)
    [attachment] = case_services.add_attachments(case_a, submitter, [Upload("ngs-report.pdf", MINIMAL_PDF)])
    m1 = create_meeting(cases=[case_a], starts_in=timedelta(days=7))
    meeting_services.publish_agenda(m1, secretary, m1.agenda_version)
    case_s = create_case(submitter=submitter, patient_name="Paul Durand")
    case_d = create_case(submitter=submitter, status="draft", patient_name="Anne Leroy")

    # M2 in session: attendance, a guest, a recusal and a draft decision on i1, i3 deferred.
    m2 = started_meeting(status=MeetingStatus.IN_SESSION, n_cases=3)
    i1, i2, i3 = m2.items
    record_attendance(m2, secretary, {users["member"].id: None, chair.id: None})
    guest = add_guest(m2, secretary, "Camille Rousseau", "Research nurse")
    recusal = declare_conflict(i1, secretary, users["member"].id, "Trial investigator")
    draft = decision_services.save_draft(i1, secretary, "EGFR L858R: osimertinib.", [targeted(i1.case)])
    decision_services.defer_item(i3, secretary, "Waiting for the biopsy")
    declare_own_conflict(i3, chair, "Investigator of the trial")

    # M3 signed: one validated, published decision with its letter (PDFs rendered small: speed).
    case_c = create_case(submitter=submitter, status="scheduled", patient_name="Louis Bernard")
    m3 = started_meeting(cases=[case_c], status=MeetingStatus.IN_SESSION)
    decision_services.save_draft(m3.items[0], secretary, "KRAS G12C: sotorasib.", [targeted(case_c, drug="Sotorasib")])
    close_meeting(m3, secretary)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rendering, "html_to_pdf", lambda html, *args, **kwargs: MINIMAL_PDF)
        version = minutes_services.sign(m3, chair)
    db.session.commit()

    assert m2.status is MeetingStatus.IN_SESSION and i3.outcome is ItemOutcome.DEFERRED
    decision = latest_decision(m3.items[0])
    assert decision.is_published
    integration, _token = export_services.create_account("Warehouse", [case_a.board], users["admin"])
    trial = trial_services.create_trial(users["admin"], {"registry_ids": "NCT04613596", "title": "KRYSTAL-12",
                                                         "status": "recruiting"}, [case_a.board])
    db.session.commit()
    return World(
        users=users, bystander=bystander.id, calendar_token=token, case_a=case_a.id, case_s=case_s.id,
        case_d=case_d.id, attachment=attachment.id, m1=m1.id, m2=m2.id, m3=m3.id, i1=i1.id, i2=i2.id, i3=i3.id,
        guest=guest.id, recusal=recusal.id, draft=draft.id, decision=decision.id, minutes=version.id,
        recommendation=decision.recommendations[0].id, trial=trial.id,
        letter=db.session.scalar(sa.select(DecisionLetter.id)),
        message=db.session.scalar(sa.select(OutboxMessage.id).order_by(OutboxMessage.id)),
        integration=integration.id,
    )


def test_every_route_is_in_the_table(app):
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert not rules - set(TABLE), f"routes missing from the access table: {sorted(rules - set(TABLE))}"
    assert not set(TABLE) - rules, f"rows of routes that no longer exist: {sorted(set(TABLE) - rules)}"
    assert all(len(row) == len(VISITORS) for row in TABLE.values())


def _outcome(response) -> object:
    """What a cell declares: the status, or LOGIN for a redirect to the login page."""
    if response.status_code == 302 and "/login" in response.location and "/login" != response.request.path:
        return LOGIN
    return response.status_code


def _rules_in_order(app):
    """The rules of the table (one missing fails test_every_route_is_in_the_table)."""
    rules = {rule.rule: rule for rule in app.url_map.iter_rules() if rule.rule in TABLE}
    # Signing out ends the visitor's session: last.
    return sorted(rules.values(), key=lambda r: (r.rule == "/logout", r.rule))


@pytest.mark.parametrize("visitor", VISITORS)
def test_access_table(visitor, app, client, login, make_user, create_case, create_meeting, started_meeting,
                      monkeypatch, request_ctx):
    world = build_world(make_user, create_case, create_meeting, started_meeting)
    if visitor != "anonymous":
        login(world.users[visitor])
    refusals = []
    real_record = audit_services.record

    def spy(action, *args, **kwargs):
        if action == "access.refused":
            refusals.append(kwargs.get("details"))
        return real_record(action, *args, **kwargs)

    monkeypatch.setattr(audit_services, "record", spy)
    # The request's end flushes instead of committing, and the test client rolls back after
    # each request: every cell sees the data as built, whatever the cells before it did.
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    column = VISITORS.index(visitor)
    mismatches = []
    for rule in _rules_in_order(app):
        expected = TABLE[rule.rule][column]
        url = url_for_rule(rule.rule, world)
        method = "GET" if "GET" in rule.methods else "POST"
        checks = [(method, url, {expected})]
        if method == "GET" and "POST" in rule.methods:
            checks.append(("POST", url, {expected} if expected in REFUSED else ALLOWED))
        if method == "POST":
            checks.append(("GET", url, {405}))
        if "<int:" in rule.rule:
            checks.append((method, _unknown_last_id(rule.rule, url), _unknown_id_answers(rule.rule, visitor, expected)))
        for method, target, wanted in checks:
            del refusals[:]
            response = client.open(target, method=method, data={} if method == "POST" else None)
            got = _outcome(response)
            if got not in wanted:
                mismatches.append(f"{method} {target} ({rule.rule}): expected {_show(wanted)}, got {got}")
            elif (got in (403, 404) and wanted & {403, 404} and not rule.rule.startswith("/admin/")
                  and rule.rule not in UNAUDITED and not refusals):
                mismatches.append(f"{method} {target} ({rule.rule}): refused with {got} but not in the audit trail")
    assert not mismatches, f"{visitor}:\n" + "\n".join(mismatches)
