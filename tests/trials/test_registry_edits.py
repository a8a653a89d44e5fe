"""Editing a trial of the registry: two people editing the same trial never overwrite each
other silently (a conflict keeps the late one's typing), and the audit trail says what changed."""

from __future__ import annotations

import re

import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.extensions import db
from mtb.trials.models import Trial, TrialStatus
from tests.fixtures.people import PASSWORD
from tests.trials.test_registry import DATA, new_trial


def loaded_version(response) -> str:
    """The version an edit page's form was loaded with (its hidden field; "" without one)."""
    html = response.get_data(as_text=True)
    found = re.search(r'<input[^>]*name="version"[^>]*value="(\d+)"', html) or re.search(
        r'<input[^>]*value="(\d+)"[^>]*name="version"', html)
    return found[1] if found else ""


def test_a_stale_trial_form_is_refused_with_the_typing_kept_and_nothing_overwritten(app, client, login, admin,
                                                                                    secretary, create_trial, boards):
    trial = create_trial(ids="NCT04613596", title="KRAS G12C basket", status="recruiting")
    thoracic = str(boards["thoracic"].id)
    edit = f"/trials/{trial.id}/edit"
    login(admin)
    admin_version = loaded_version(client.get(edit))  # the admin opens the form, then is called away
    other = app.test_client()
    other.post("/login", data={"email": secretary.email, "password": PASSWORD})
    secretary_page = other.get(edit)
    assert secretary_page.status_code == 200, "the secretary could not sign in"
    saved = other.post(edit, data=new_trial(registry_ids="NCT04613596", title="KRAS G12C basket", status="on_hold",
                                            alterations="KRAS p.G12C", boards=[thoracic],
                                            version=loaded_version(secretary_page)))
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]

    stale = client.post(edit, data=new_trial(registry_ids="NCT04613596", title="Typed by the admin",
                                             status="recruiting", boards=[thoracic], version=admin_version))
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "This trial was saved elsewhere" in html and "Last saved by Sophie Bernard" in html
    assert 'value="Typed by the admin"' in html  # the admin's typing is still on the page
    db.session.expire_all()
    trial = db.session.get(Trial, trial.id)
    assert trial.status is TrialStatus.ON_HOLD and trial.title == "KRAS G12C basket"
    assert trial.alterations == [{"gene": "KRAS", "kind": "variant", "change": "p.Gly12Cys"}]
    assert "Trial NCT04613596 saved." not in client.get("/trials").get_data(as_text=True)

    # The page now holds the secretary's version: saving again replaces it, on purpose.
    again = client.post(edit, data=new_trial(registry_ids="NCT04613596", title="Typed by the admin",
                                             status="recruiting", boards=[thoracic], version=loaded_version(stale)))
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Trial, trial.id).title == "Typed by the admin"


def test_an_import_since_the_form_was_opened_is_a_conflict_too(client, login, admin, create_trial, boards):
    trial = create_trial(ids="NCT09990001", title="Old title")
    login(admin)
    version = loaded_version(client.get(f"/trials/{trial.id}/edit"))
    with open(DATA / "NCT09990001.json", "rb") as f:
        assert client.post("/trials/import", data={"file": (f, "study.json"), "boards": [str(boards["thoracic"].id)]},
                           content_type="multipart/form-data").status_code == 302
    stale = client.post(f"/trials/{trial.id}/edit", data=new_trial(registry_ids="NCT09990001", title="Old title",
                                                                   boards=[str(boards["thoracic"].id)],
                                                                   version=version))
    assert stale.status_code == 409
    db.session.expire_all()
    assert db.session.get(Trial, trial.id).status is TrialStatus.CLOSED  # the import's status stays


def test_a_form_that_does_not_say_its_version_overwrites_nothing(client, login, admin, create_trial, boards):
    trial = create_trial(ids="NCT04613596", status="on_hold")
    login(admin)
    response = client.post(f"/trials/{trial.id}/edit", data=new_trial(status="recruiting",
                                                                      boards=[str(boards["thoracic"].id)]))
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.scalar(sa.select(Trial.status)) is TrialStatus.ON_HOLD


# The audit trail ---------------------------------------------------------------------------

def trial_events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_a_trial_edit_records_each_changed_field_with_its_old_and_new_value(client, login, admin, create_trial,
                                                                           boards):
    trial = create_trial(ids="NCT04613596", title="KRAS G12C basket", status="recruiting", tmb_min=10,
                         alterations=[{"gene": "KRAS", "kind": "variant", "change": "p.Gly12Cys"}])
    login(admin)
    edit = f"/trials/{trial.id}/edit"
    response = client.post(edit, data=new_trial(
        registry_ids="NCT04613596", title="KRAS G12C basket", acronym="", phase="", status="on_hold",
        alterations="KRAS p.G12C\nSTK11 mutation", tmb_min="10", pdl1_tps_min="", icd10_ranges="", age_min="",
        prior_lines_min="", prior_lines_max="", investigator="",
        boards=[str(boards["thoracic"].id), str(boards["dermatology"].id)],
        version=loaded_version(client.get(edit))))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [event] = trial_events("trial.update")
    assert event.details["changes"] == {
        "status": {"from": "recruiting", "to": "on_hold"},
        "alterations": {"from": [{"gene": "KRAS", "kind": "variant", "change": "p.Gly12Cys"}],
                        "to": [{"gene": "KRAS", "kind": "variant", "change": "p.Gly12Cys"},
                               {"gene": "STK11", "kind": "variant", "change": ""}]},
        "boards": {"from": ["Thoracic oncology"], "to": ["Dermatology (melanoma)", "Thoracic oncology"]},
    }  # the title, and TMB typed as 10 where 10.00 was stored, did not change
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "status recruiting → on_hold" in page


def test_a_reimport_records_what_the_registry_changed(client, login, admin, create_trial, boards):
    create_trial(ids="NCT09990001", title="Old title", status="recruiting", investigator="Dr Nora Haddad")
    login(admin)
    with open(DATA / "NCT09990001.json", "rb") as f:  # ACTIVE_NOT_RECRUITING
        response = client.post("/trials/import", data={"file": (f, "study.json"),
                                                       "boards": [str(boards["thoracic"].id)]},
                               content_type="multipart/form-data")
    assert response.status_code == 302
    [event] = trial_events("trial.import")
    changes = event.details["changes"]
    assert changes["status"] == {"from": "recruiting", "to": "closed"}
    assert changes["title"]["from"] == "Old title"
    assert changes["title"]["to"].startswith("KRAS G12C Inhibitor Versus Docetaxel")
    assert changes["registry_ids"] == {"from": "NCT09990001", "to": "NCT09990001, 2021-000123-45"}
    assert "investigator" not in changes and "boards" not in changes  # the local fields stay


def test_an_import_meeting_a_save_made_meanwhile_keeps_nothing_and_says_so(client, login, admin, create_trial,
                                                                            boards):
    trial = create_trial(ids="NCT09990001", title="Old title", status="recruiting")

    def saved_elsewhere(mapper, connection, target):
        # Another request saves the trial between the import's read and its write.
        connection.execute(sa.text("UPDATE trials SET version = version + 1 WHERE id = :id"), {"id": target.id})

    sa.event.listen(Trial, "before_update", saved_elsewhere)
    try:
        login(admin)
        with open(DATA / "NCT09990001.json", "rb") as f:
            response = client.post("/trials/import", data={"file": (f, "study.json"),
                                                           "boards": [str(boards["thoracic"].id)]},
                                   content_type="multipart/form-data")
    finally:
        sa.event.remove(Trial, "before_update", saved_elsewhere)
    assert response.status_code == 409
    assert "Someone saved NCT09990001 while the file was being imported" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Trial, trial.id).title == "Old title"


def test_a_save_meeting_another_save_at_the_same_moment_is_a_conflict(client, login, admin, create_trial, boards):
    trial = create_trial(ids="NCT04613596", title="KRAS G12C basket", status="recruiting")
    login(admin)
    edit = f"/trials/{trial.id}/edit"
    version = loaded_version(client.get(edit))

    def saved_elsewhere(mapper, connection, target):
        # Another request saves the trial between this one's check of the version and its write.
        connection.execute(sa.text("UPDATE trials SET version = version + 1 WHERE id = :id"), {"id": target.id})

    sa.event.listen(Trial, "before_update", saved_elsewhere)
    try:
        response = client.post(edit, data=new_trial(registry_ids="NCT04613596", title="Typed by the admin",
                                                    boards=[str(boards["thoracic"].id)], version=version))
    finally:
        sa.event.remove(Trial, "before_update", saved_elsewhere)
    assert response.status_code == 409 and 'value="Typed by the admin"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Trial, trial.id).title == "KRAS G12C basket"
