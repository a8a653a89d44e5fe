"""Shared fixtures: an app on a migrated database (SQLite, or PostgreSQL through
MTB_TEST_DATABASE_URL), a client that logs in as a role, factories, query counting,
and a live server with Chromium for browser tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from datetime import date

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient

from mtb import create_app
from mtb.accounts import services as accounts
from mtb.accounts.models import Role, User
from mtb.boards import services as boards_service
from mtb.boards.models import Board
from mtb.cases.lifecycle import change_status
from mtb.cases.models import Biomarker, BiomarkerKind, Case, CaseStatus, Sex
from mtb.cases.references import next_reference
from mtb.extensions import db

PASSWORD = "correct horse battery staple"
ON_POSTGRES = bool(os.environ.get("MTB_TEST_DATABASE_URL"))


class Client(FlaskClient):
    """The test shares the app context with the requests it makes: commit what the
    test built before each request, and end each request as production's teardown
    does, with a rollback, so what a request flushed but never committed is gone."""

    def open(self, *args, **kwargs):
        db.session.commit()
        g.__dict__.clear()  # Flask-Login caches the user in g
        try:
            return super().open(*args, **kwargs)
        finally:
            db.session.rollback()
            g.__dict__.clear()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("MTB_TEST_DATABASE_URL")
    if url:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db')}/test.sqlite3"


def app_config(database_url: str) -> dict:
    """The settings of the test app (also for a second app on the same database)."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "ARGON2_PARALLELISM": 1,
        "SERVER_NAME": None,
        "BASE_URL": "http://mtb.test",
        "SMTP_URL": "",
    }


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(app_config(database_url))
    app.test_client_class = Client
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
    return app


@pytest.fixture(autouse=True)
def _db(app):
    """Each test runs in an app context on an empty database holding the three boards."""
    with app.app_context():
        boards_service.ensure_default_boards()
        db.session.commit()
        yield
        db.session.remove()
        _empty_all_tables()


def _empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def boards() -> dict[str, Board]:
    return {b.slug: b for b in db.session.scalars(sa.select(Board))}


@pytest.fixture
def make_user():
    """make_user(roles={"thoracic": ["clinician"]}, specialty=..., admin=False) -> User."""
    counter = {"n": 0}

    def make(email: str | None = None, roles: dict[str, list[str]] | None = None, *, specialty=None,
             admin: bool = False, name: str | None = None, active: bool = True) -> User:
        counter["n"] += 1
        email = email or f"user{counter['n']}@example.org"
        user = accounts.create_user(email, name or f"User {counter['n']}", PASSWORD,
                                    is_admin=admin, specialty=specialty)
        user.active = active
        for slug, role_names in (roles or {}).items():
            board = boards_service.get_board(slug)
            for role_name in role_names:
                accounts.grant_role(user, board, Role(role_name))
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    """login(user) logs the shared test client in as that user."""

    def do_login(user: User, password: str = PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do_login


@pytest.fixture
def clinician(make_user):
    return make_user("clinician@example.org", {"thoracic": ["clinician"]}, name="Dr Claire Dubois")


@pytest.fixture
def secretary(make_user):
    return make_user("secretary@example.org", {"thoracic": ["secretary", "member"]}, name="Sophie Bernard")


@pytest.fixture
def member(make_user):
    from mtb.vocab import Specialty

    return make_user("member@example.org", {"thoracic": ["member"]}, name="Dr Marie Petit",
                     specialty=Specialty.PATHOLOGY)


@pytest.fixture
def chair(make_user):
    from mtb.vocab import Specialty

    return make_user("chair@example.org", {"thoracic": ["member", "chair"]}, name="Pr Henri Laurent",
                     specialty=Specialty.MEDICAL_ONCOLOGY)


@pytest.fixture
def admin(make_user):
    return make_user("admin@example.org", {}, admin=True, name="Alex Martin")


DEFAULT_BIOMARKERS = ({"kind": "variant", "gene": "EGFR", "hgvs_c": "c.2573T>G", "hgvs_p": "p.Leu858Arg", "vaf": 32},)


@pytest.fixture
def create_case(make_user):
    """create_case(board="thoracic", submitter=None, status="submitted", biomarkers=[...], **fields) -> Case.

    Builds the rows directly (not through the case form), so other parts' tests do
    not depend on the case pages.
    """

    def create(board: str = "thoracic", submitter: User | None = None, status: str = "submitted",
               biomarkers=DEFAULT_BIOMARKERS, **fields) -> Case:
        board_obj = boards_service.get_board(board)
        if submitter is None:
            submitter = db.session.scalar(sa.select(User).where(User.email == "clinician@example.org")) or make_user(
                "clinician@example.org", {board: ["clinician"]}, name="Dr Claire Dubois")
        values = dict(
            patient_record_number="IPP0012345", patient_name="Jeanne Martin", patient_sex=Sex.FEMALE,
            patient_birth_date=date(1961, 4, 2), diagnosis="Lung adenocarcinoma, stage IVA",
            icd10_code="C34.1", icdo3_morphology="8140/3", stage="IVA", ecog=1, prior_lines=1,
            clinical_question="Second-line options after osimertinib progression?",
        )
        values.update(fields)
        case = Case(reference=next_reference(board_obj), board=board_obj, submitter=submitter, **values)
        db.session.add(case)
        for position, spec in enumerate(biomarkers):
            spec = dict(spec)
            spec["kind"] = BiomarkerKind(spec["kind"])
            case.biomarkers.append(Biomarker(position=position, **spec))
        change_status(case, CaseStatus.DRAFT, submitter)
        if status != "draft":
            change_status(case, CaseStatus.SUBMITTED, submitter)
            if status != "submitted":
                change_status(case, CaseStatus(status), submitter)
        db.session.commit()
        return case

    return create


@contextlib.contextmanager
def count_queries():
    """with count_queries() as statements: ...; len(statements) is the SQL statements issued."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def query_counter():
    return count_queries


# --- Browser tests ---------------------------------------------------------

@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI: .ci/run installs it with apt-get")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture
def live_server(app):
    """Serves the test app on a free loopback port in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["WTF_CSRF_ENABLED"] = True  # the browser goes through the real forms
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab (own cookies) whose relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    # The person answers "OK" to confirmations (publish, close, sign, leave with unsaved changes).
    tab.on("dialog", lambda dialog: dialog.accept())
    yield tab
    context.close()


@pytest.fixture
def browser_login():
    def do_login(page, email: str, password: str = PASSWORD):
        page.goto("/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/login" not in url)

    return do_login
