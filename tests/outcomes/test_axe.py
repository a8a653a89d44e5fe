"""Accessibility of the outcome pages (axe-core in Chromium, as tests/test_axe.py): the board and
site dashboards, the follow-up form with its errors, the follow-ups due, the export form."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from mtb.db import utcnow
from mtb.extensions import db
from mtb.outcomes.models import NotImplementedReason, Response
from tests import test_axe
from tests.outcomes.helpers import decide, follow, meeting_on
from tests.test_axe import _axe

axe_source = test_axe.axe_source  # the fixture: axe-core from node_modules

pytestmark = pytest.mark.browser


def test_outcome_pages_have_no_critical_or_serious_accessibility_violation(page, browser_login, axe_source, team,
                                                                           clinician, admin, create_case):
    meeting = meeting_on("thoracic", (utcnow() - timedelta(days=100)).replace(microsecond=0))
    done = decide(create_case(status="scheduled", submitter=clinician), meeting)
    waiting = decide(create_case(status="scheduled", submitter=clinician), meeting)
    follow(done, 3, implemented=True, started=meeting.starts_at.date() + timedelta(days=9), response=Response.PR)
    follow(waiting, 3, implemented=False, reason=NotImplementedReason.NO_TRIAL_SLOT)
    db.session.commit()
    found = []

    def check(path, submit=None):
        page.goto(path)
        if submit:
            page.get_by_role("button", name=submit).click()
        for violation in _axe(page, axe_source):
            found.append({"page": path, "rule": violation["id"], "help": violation["help"],
                          "nodes": [n["target"] for n in violation["nodes"][:5]]})

    browser_login(page, "secretary@example.org")
    check("/outcomes/boards/thoracic")
    check("/outcomes/boards/thoracic/follow-ups")
    check(f"/outcomes/recommendations/{waiting.recommendations[0].id}/follow-up/6", submit="Record the follow-up")
    check(f"/cases/{done.case_id}")
    page.get_by_role("button", name="Log out").click()
    browser_login(page, "admin@example.org")
    check("/outcomes")
    check("/outcomes/boards/thoracic/export")
    assert not found, json.dumps(found, indent=1)[:4000]
