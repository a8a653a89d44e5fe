"""The registry's rows are kept per worker between views (mtb.fragments): whatever changes
what a row prints shows on the next view, and nobody sees a row kept for someone else."""

from __future__ import annotations

import sqlalchemy as sa

from mtb import fragments
from mtb.boards.models import Board
from mtb.extensions import db
from mtb.trials.models import Trial
from tests.trials.test_registry import new_trial
from tests.trials.test_registry_edits import loaded_version


def test_an_edited_trial_shows_its_new_text_on_the_next_view(client, login, secretary, create_trial, boards):
    trial = create_trial(title="KRAS G12C basket", ids="NCT04613596")
    login(secretary)
    assert "KRAS G12C basket" in client.get("/trials").get_data(as_text=True)
    edit = f"/trials/{trial.id}/edit"
    response = client.post(edit, data=new_trial(
        registry_ids="NCT04613596", title="KRAS G12C and STK11 basket", status="on_hold",
        boards=[str(boards["thoracic"].id)], version=loaded_version(client.get(edit))))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get("/trials").get_data(as_text=True)
    assert "KRAS G12C and STK11 basket" in page and "KRAS G12C basket<" not in page
    assert "badge-trial-on_hold" in page


def test_a_renamed_board_shows_in_the_rows(client, login, secretary, create_trial, boards):
    create_trial(title="Adagrasib study")
    login(secretary)
    assert "Thoracic oncology" in client.get("/trials").get_data(as_text=True)
    board = db.session.get(Board, boards["thoracic"].id)
    board.name = "Thoracic oncology (adults)"
    db.session.commit()
    assert "Thoracic oncology (adults)" in client.get("/trials").get_data(as_text=True)


def test_the_edit_button_is_kept_for_those_who_may_edit_only(client, login, secretary, member, create_trial):
    trial = create_trial(title="Visible to the thoracic board")
    edit_link = f"/trials/{trial.id}/edit"
    login(secretary)
    assert edit_link in client.get("/trials").get_data(as_text=True)
    login(member)
    page = client.get("/trials").get_data(as_text=True)
    assert "Visible to the thoracic board" in page and edit_link not in page


def test_nothing_is_kept_from_a_transaction_that_wrote(app, create_trial):
    create_trial(title="Committed title")
    with app.test_request_context():
        written = db.session.scalar(sa.select(Trial))
        assert fragments.kept("trial-row") is not None  # reading only
        written.title = "Not committed yet"
        db.session.flush()  # another request cannot see it; a rollback may undo it
        assert fragments.kept("trial-row") is None
        db.session.rollback()
        assert fragments.kept("trial-row") is not None


def test_a_worker_keeps_a_bounded_number_of_rows():
    store = fragments.Kept(capacity=3)
    for n in range(5):
        store.get(n, lambda n=n: f"row {n}")
    assert len(store) == 3 and store.peek(0) is None and store.peek(4) == "row 4"
    assert store.get(2, lambda: "recomputed") == "row 2"  # kept: not computed again


def test_each_reader_gets_the_rows_in_their_language(client, login, secretary, create_trial):
    create_trial(title="Adagrasib study")
    login(secretary)
    assert ">Recruiting<" in client.get("/trials").get_data(as_text=True)
    secretary.locale = "fr"
    db.session.commit()
    page = client.get("/trials").get_data(as_text=True)
    assert ">Inclusions ouvertes<" in page and ">Recruiting<" not in page
