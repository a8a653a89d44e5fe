"""The demo data loads, and every page a demo user can reach by following links works:
no server error, every form field labelled, no id used twice."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from mtb.accounts.models import User
from mtb.cases.models import Case
from mtb.extensions import db

LINK = re.compile(r'href="([^"#]+)"')
SKIP = ("/logout", "/static/", "/calendar/")


class _FormControls(HTMLParser):
    """Collects form controls, the ids labels point at, and duplicate ids."""

    def __init__(self):
        super().__init__()
        self.controls: list[dict] = []
        self.label_targets: set[str] = set()
        self.ids: list[str] = []
        self.label_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                self.label_targets.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit", "button"):
            self.controls.append(dict(attrs, _wrapped=self.label_depth > 0))

    def handle_endtag(self, tag):
        if tag == "label":
            self.label_depth = max(0, self.label_depth - 1)

    def unlabelled(self) -> list[str]:
        return [c.get("name") or c.get("id") or "?" for c in self.controls
                if not (c["_wrapped"] or c.get("aria-label") or c.get("aria-labelledby")
                        or (c.get("id") and c["id"] in self.label_targets))]


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
    seen, queue, failures, unlabelled, duplicate_ids = set(), ["/"], [], [], []
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
        html = response.get_data(as_text=True)
        controls = _FormControls()
        controls.feed(html)
        if controls.unlabelled():
            unlabelled.append((path, controls.unlabelled()))
        if len(controls.ids) != len(set(controls.ids)):
            duplicate_ids.append((path, sorted({i for i in controls.ids if controls.ids.count(i) > 1})))
        for href in LINK.findall(html):
            href = href.replace("&amp;", "&")
            url = urlsplit(urljoin("http://localhost" + path, href))
            if url.netloc not in ("localhost", "") or url.path.startswith(SKIP):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target not in seen:
                queue.append(target)
    assert not failures, failures
    assert not unlabelled, f"form fields without a label: {unlabelled[:5]}"
    assert not duplicate_ids, f"ids used twice on a page: {duplicate_ids[:5]}"
    assert len(seen) > 5
