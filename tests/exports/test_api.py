"""The FHIR API and integration accounts: an administrator creates an account for some boards
and sees its token once (only its hash is kept); the token reads validated decisions of those
boards only; a wrong or revoked token gets 401; every read is in the audit trail. The
decision page offers the same bundle to its readers."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.boards.models import Board
from mtb.db import utcnow
from mtb.decisions import services as decisions
from mtb.exports import services
from mtb.exports.models import IntegrationAccount
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from tests.decisions.helpers import targeted


def _board(slug: str) -> Board:
    return db.session.scalar(sa.select(Board).where(Board.slug == slug))


def _decision(team, started_meeting, validate=True, publish=True):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    item = meeting.items[0]
    decision = decisions.save_draft(item, team["secretary"], "Osimertinib.", [targeted(item.case)])
    if validate:
        decisions.validate(decision, team["chair"])
        if publish:
            decision.published_at = utcnow()  # as the chair's signature of the minutes does
    db.session.commit()
    return decision


def _get(client, url, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, headers=headers)


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_admin_creates_an_account_sees_its_token_once_and_only_its_hash_is_kept(client, login, make_user, team):
    admin = make_user("root@example.org", admin=True)
    login(admin)
    response = client.post("/admin/integrations", data={
        "integration-name": "Data warehouse", "integration-boards": ["thoracic"]})
    assert response.status_code == 302
    page = client.get("/admin/integrations").get_data(as_text=True)
    token = re.search(r'id="new-token" type="text" readonly value="(mtb_[^"]+)"', page).group(1)
    assert "shown only once" in page
    assert token not in client.get("/admin/integrations").get_data(as_text=True)
    account = db.session.scalar(sa.select(IntegrationAccount))
    assert account.token_hash == services.token_hash(token) and token not in (account.token_hint + account.name)
    assert [b.slug for b in account.boards] == ["thoracic"]
    assert "integration.create" in _actions()


def test_an_account_needs_a_name_and_a_board_said_next_to_each_field(client, login, make_user, team):
    login(make_user("root@example.org", admin=True))
    response = client.post("/admin/integrations", data={"integration-name": " "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="integration-name-error"' in html or "Name the system" in html
    assert db.session.scalar(sa.select(IntegrationAccount)) is None


def test_a_token_reads_validated_decisions_of_its_boards_and_every_read_is_audited(client, team, started_meeting):
    decision = _decision(team, started_meeting)
    account, token = services.create_account("Warehouse", [_board("thoracic")], None)
    db.session.commit()
    response = _get(client, f"/api/fhir/decisions/{decision.id}", token)
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    assert json.loads(response.get_data())["resourceType"] == "Bundle"
    listing = _get(client, "/api/fhir/boards/thoracic/decisions", token).get_json()
    assert [d["id"] for d in listing["decisions"]] == [decision.id]
    assert listing["decisions"][0]["fhir"].endswith(f"/api/fhir/decisions/{decision.id}")
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("api.%"))).all()
    assert [e.action for e in events] == ["api.decision_fhir", "api.board_decisions"]
    assert events[0].details["integration_id"] == account.id and events[0].board_id == decision.board_id
    assert db.session.get(IntegrationAccount, account.id).last_used_at is not None


def test_another_boards_decision_a_draft_and_another_board_answer_404(client, team, started_meeting):
    validated = _decision(team, started_meeting)
    draft = _decision(team, started_meeting, validate=False)
    _other, token = services.create_account("Paediatric warehouse", [_board("paediatric")], None)
    _mine, thoracic_token = services.create_account("Thoracic warehouse", [_board("thoracic")], None)
    db.session.commit()
    for url, bearer in ((f"/api/fhir/decisions/{validated.id}", token), (f"/api/fhir/decisions/{draft.id}", thoracic_token),
                        ("/api/fhir/boards/thoracic/decisions", token)):
        response = _get(client, url, bearer)
        assert response.status_code == 404 and response.get_json()["error"]
    assert _actions().count("api.refused") == 3


def test_a_missing_wrong_or_revoked_token_gets_401_in_json(client, login, team, started_meeting):
    decision = _decision(team, started_meeting)
    account, token = services.create_account("Warehouse", [_board("thoracic")], None)
    db.session.commit()
    url = f"/api/fhir/decisions/{decision.id}"
    for bearer in (None, "mtb_wrong", token + "x"):
        response = _get(client, url, bearer)
        assert response.status_code == 401 and response.get_json()["error"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # A signed-in session is no token: the API is for integration accounts only.
    login(team["chair"])
    assert _get(client, url).status_code == 401
    services.revoke(db.session.get(IntegrationAccount, account.id), team["chair"])
    db.session.commit()
    assert _get(client, url, token).status_code == 401


def test_admin_revokes_an_account_from_its_page(client, login, make_user, team):
    account, _token = services.create_account("Warehouse", [_board("thoracic")], None)
    db.session.commit()
    login(make_user("root@example.org", admin=True))
    assert client.post(f"/admin/integrations/{account.id}/revoke").status_code == 302
    assert db.session.get(IntegrationAccount, account.id).revoked_at is not None
    assert "revoked" in client.get("/admin/integrations").get_data(as_text=True)


def test_decision_page_offers_the_fhir_bundle_of_a_validated_decision_and_the_download_is_audited(
        client, login, team, started_meeting):
    decision = _decision(team, started_meeting)
    draft = _decision(team, started_meeting, validate=False)
    login(team["member"])
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert f'href="/decisions/{decision.id}/fhir.json"' in page and "FHIR (JSON)" in page
    response = client.get(f"/decisions/{decision.id}/fhir.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert "decision.fhir_export" in _actions()
    assert "fhir.json" not in client.get(f"/decisions/{draft.id}").get_data(as_text=True)
    assert client.get(f"/decisions/{draft.id}/fhir.json").status_code == 409


def test_a_decision_validated_before_the_minutes_are_signed_is_not_exported(client, login, team, started_meeting):
    """The referring clinician reads a decision once the minutes are signed: no other system
    reads it before (neither by id nor in the board's listing)."""
    unpublished = _decision(team, started_meeting, publish=False)
    _account, token = services.create_account("Warehouse", [_board("thoracic")], None)
    db.session.commit()
    response = _get(client, f"/api/fhir/decisions/{unpublished.id}", token)
    assert response.status_code == 404 and response.get_json()["error"]
    assert _get(client, "/api/fhir/boards/thoracic/decisions", token).get_json()["decisions"] == []
    unpublished.published_at = utcnow()
    db.session.commit()
    assert _get(client, f"/api/fhir/decisions/{unpublished.id}", token).status_code == 200
    assert [d["id"] for d in _get(client, "/api/fhir/boards/thoracic/decisions", token).get_json()["decisions"]] \
        == [unpublished.id]


def _validated(team, started_meeting, n: int) -> list:
    meeting = started_meeting(status=MeetingStatus.IN_SESSION, n_cases=n)
    validated = []
    for item in meeting.items:
        decision = decisions.save_draft(item, team["secretary"], "Osimertinib.", [targeted(item.case)])
        decisions.validate(decision, team["chair"])
        decision.published_at = utcnow()  # as the chair's signature of the minutes does
        validated.append(decision)
    db.session.commit()
    return validated


def test_the_listing_gives_validated_at_as_an_instant_with_its_offset(client, team, started_meeting):
    """Stored as naive UTC; the FHIR bundle says +00:00, the listing must too, or a warehouse
    reads 14:05 UTC as 14:05 in Paris (an hour or two off)."""
    [decision] = _validated(team, started_meeting, 1)
    _account, token = services.create_account("Warehouse", [_board("thoracic")], None)
    db.session.commit()
    [listed] = _get(client, "/api/fhir/boards/thoracic/decisions", token).get_json()["decisions"]
    stamp = datetime.fromisoformat(listed["validated_at"])
    assert stamp.utcoffset() == timedelta(0)
    assert stamp == decision.validated_at.replace(microsecond=0, tzinfo=UTC)


def test_the_board_listing_costs_the_same_statements_for_3_or_12_decisions(client, team, started_meeting,
                                                                            query_counter):
    _account, token = services.create_account("Warehouse", [_board("thoracic")], None)
    db.session.commit()
    counts = []
    for n in (3, 9):
        _validated(team, started_meeting, n)
        with query_counter() as statements:
            listing = _get(client, "/api/fhir/boards/thoracic/decisions", token).get_json()
        counts.append((len(listing["decisions"]), len(statements)))
    (few, few_statements), (many, many_statements) = counts
    assert (few, many) == (3, 12)
    assert many_statements == few_statements, counts


def test_the_board_listing_comes_in_pages_each_linking_to_the_next(client, team, started_meeting):
    newest_first = [d.id for d in sorted(_validated(team, started_meeting, 5),
                                         key=lambda d: (d.validated_at, d.id), reverse=True)]
    _account, token = services.create_account("Warehouse", [_board("thoracic")], None)
    db.session.commit()
    url, seen = "/api/fhir/boards/thoracic/decisions?limit=2", []
    while url:
        response = _get(client, url, token)
        assert response.status_code == 200
        listing = response.get_json()
        seen.append([d["id"] for d in listing["decisions"]])
        url = listing["next"]
        assert (url is None) == ("Link" not in response.headers)
        if url:
            assert response.headers["Link"] == f'<{url}>; rel="next"' and f"after={seen[-1][-1]}" in url
    assert seen == [newest_first[:2], newest_first[2:4], newest_first[4:]]
    # Without a limit, one page of up to DEFAULT_PAGE_SIZE decisions, as before paging.
    whole = _get(client, "/api/fhir/boards/thoracic/decisions", token).get_json()
    assert [d["id"] for d in whole["decisions"]] == newest_first and whole["next"] is None


def test_a_bad_limit_or_cursor_is_a_400_in_json(client, team, started_meeting):
    _validated(team, started_meeting, 1)
    _account, token = services.create_account("Warehouse", [_board("thoracic")], None)
    _other, paediatric_token = services.create_account("Paediatric warehouse", [_board("paediatric")], None)
    db.session.commit()
    for query in ("limit=0", "limit=x", "limit=-3", "after=x", "after=999999", "after=99999999999"):
        response = _get(client, f"/api/fhir/boards/thoracic/decisions?{query}", token)
        assert response.status_code == 400 and response.get_json()["error"], query
    # Beyond the largest page, the largest page.
    big = _get(client, f"/api/fhir/boards/thoracic/decisions?limit={services.MAX_PAGE_SIZE + 1}", token)
    assert big.status_code == 200 and len(big.get_json()["decisions"]) == 1
