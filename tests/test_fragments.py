"""What pages keep per worker (mtb.fragments): nothing read in a transaction that wrote,
even once a savepoint inside it has ended; what pages keep reading stays kept longest."""

from __future__ import annotations

from mtb import fragments
from mtb.cases.briefs import briefs
from mtb.cases.models import Case
from mtb.db import savepoint
from mtb.extensions import db

BRAF = [{"kind": "variant", "gene": "BRAF", "hgvs_p": "p.Val600Glu"}]
KRAS = [{"kind": "variant", "gene": "KRAS", "hgvs_p": "p.Gly12Cys"}]


def test_a_savepoint_does_not_let_a_writing_transaction_keep_what_it_read(app, create_case):
    case_id = create_case(biomarkers=BRAF).id
    with app.test_request_context():
        written = db.session.get(Case, case_id)
        written.biomarkers[0].hgvs_p = "p.Val600Asp"  # flushed, never committed
        db.session.flush()
        with savepoint(db.session):  # as a submission's meeting generation takes one
            pass
        assert briefs([written])[case_id].labels == ("BRAF p.Val600Asp",)  # its own rows, as it should
        db.session.rollback()
    saved = db.session.get(Case, case_id)
    saved.biomarkers[0].hgvs_p = "p.Val600Lys"  # a real save: the case reaches the same version
    db.session.commit()
    with app.test_request_context():
        assert briefs([db.session.get(Case, case_id)])[case_id].labels == ("BRAF p.Val600Lys",)


def test_a_case_rolled_back_lends_nothing_to_the_next_case_given_its_id(app, create_case, monkeypatch):
    create_case(biomarkers=())
    with app.test_request_context():
        with monkeypatch.context() as m:
            m.setattr(db.session, "commit", db.session.flush)  # made and flushed, never committed
            undone = create_case(biomarkers=BRAF, patient_name="Paul Leroy")
        with savepoint(db.session):
            pass
        briefs([undone])
        undone_id = undone.id
        db.session.rollback()
    other = create_case(biomarkers=KRAS, patient_name="Anne Petit")
    if other.id == undone_id:  # SQLite gives the id again; PostgreSQL's sequence does not
        assert other.version == 1
    with app.test_request_context():
        assert briefs([other])[other.id].labels == ("KRAS p.Gly12Cys",)


def test_an_entry_pages_keep_reading_is_not_the_first_let_go():
    store = fragments.Kept(capacity=3)
    for n in range(3):
        store.put(n, f"row {n}")
    assert store.peek(0) == "row 0"  # read on every view
    store.put(3, "row 3")
    assert store.peek(0) == "row 0" and store.peek(1) is None  # the least recently used was 1


def test_a_kind_of_large_entries_keeps_fewer(app):
    with app.test_request_context():
        small = fragments.kept("a-kind-of-large-entries", capacity=2)
        for n in range(5):
            small.put(n, str(n))
        assert len(small) == 2 and small.peek(4) == "4" and small.peek(0) is None
