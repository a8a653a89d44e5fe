"""The app as a whole: health check, schema from migrations, security headers."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mtb.db import in_models
from mtb.extensions import db


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_database_is_down(app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("down"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] != "ok"


def test_migrations_match_models():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": in_models})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `make migration`: {diff}"


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_page_is_a_clear_404(client, clinician, login):
    login(clinician)
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_too_large_upload_gets_a_clear_413_page(app, client, clinician, login):
    login(clinician)
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 150_000
    try:
        from io import BytesIO

        response = client.post("/boards/thoracic/cases/new", data={"files": (BytesIO(b"%PDF-1.7\n" + b"0" * 200_000), "big.pdf")},
                               content_type="multipart/form-data")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    body = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Upload too large" in body and "146.5 KB" in body


def test_absurd_ids_and_pages_are_404_or_first_page_not_errors(client, admin, login):
    login(admin)
    assert client.get("/cases/2147483648").status_code == 404
    assert client.get("/cases/99999999999999999999").status_code == 404
    assert client.get("/meetings/2147483648").status_code == 404
    assert client.get("/admin/audit?page=99999999999999999999").status_code == 200
    assert client.get("/admin/outbox?page=-3").status_code == 200


def test_nul_bytes_are_refused_with_a_clear_400(client, admin, login):
    login(admin)
    response = client.get("/admin/audit?who=%00")
    assert response.status_code == 400 and "Bad request" in response.get_data(as_text=True)
    assert client.post("/account/password", data={"current_password": "a\x00b"}).status_code == 400


def test_sql_errors_never_carry_the_values_in_logs(app):
    from mtb.extensions import db

    assert db.engine.hide_parameters


def test_absurd_page_numbers_in_case_lists_are_the_first_page(client, clinician, login, create_case):
    create_case(submitter=clinician)
    login(clinician)
    for url in ("/boards/thoracic/cases?page=9223372036854775807", "/cases/mine?page=9223372036854775807",
                "/boards/thoracic/cases?page=-3", "/cases/mine?page=abc"):
        assert client.get(url).status_code == 200, url
