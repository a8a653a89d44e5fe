"""The demo data loads, and every page a demo user can reach by following links works."""

import re
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from mtb.accounts.models import User
from mtb.cases.models import Case
from mtb.extensions import db
from mtb.seed import seed_demo

LINK = re.compile(r'href="([^"#]+)"')
SKIP = ("/logout", "/static/", "/calendar/")


@pytest.fixture
def demo(app):
    seed_demo()
    db.session.commit()


def test_seed_demo_command_refuses_a_database_with_data(app, demo):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "not empty" in result.output
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "already has data" in result.output


def test_demo_has_accounts_and_a_dozen_cases(demo):
    emails = set(db.session.scalars(sa.select(User.email)))
    assert {"admin@example.org", "clinician@example.org", "secretary@example.org",
            "chair@example.org", "member@example.org"} <= emails
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) >= 12


@pytest.mark.parametrize("email", ["clinician@example.org", "secretary@example.org", "chair@example.org",
                                   "member@example.org", "admin@example.org"])
def test_every_linked_page_works_for_demo_user(app, client, demo, email):
    response = client.post("/login", data={"email": email, "password": app.config["DEMO_PASSWORD"]})
    assert response.status_code == 302
    seen, queue, failures = set(), ["/"], []
    while queue and len(seen) < 120:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code >= 500 or response.status_code in (400, 404):
            failures.append((path, response.status_code))
            continue
        if response.mimetype != "text/html":
            continue
        for href in LINK.findall(response.get_data(as_text=True)):
            href = href.replace("&amp;", "&")
            url = urlsplit(urljoin("http://localhost" + path, href))
            if url.netloc not in ("localhost", "") or url.path.startswith(SKIP):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target not in seen:
                queue.append(target)
    assert not failures, failures
    assert len(seen) > 5
