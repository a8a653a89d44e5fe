"""The engine's JSON reader: the empty lists most JSON columns hold skip the parser."""

from mtb.db import read_json


def test_empty_lists_are_fresh_and_other_values_parsed():
    first, second = read_json("[]"), read_json(b"[]")
    first.append("MLH1")
    assert second == [] and read_json("[]") == []
    assert read_json('["MLH1", "PMS2"]') == ["MLH1", "PMS2"]
    assert read_json(b'{"a": 1}') == {"a": 1}
    assert read_json("null") is None


def test_a_collection_is_loaded_for_many_rows_in_one_statement_in_its_order(create_case, query_counter):
    import sqlalchemy as sa

    from mtb.cases.models import Biomarker, Case
    from mtb.db import load_collection
    from mtb.extensions import db

    cases = [create_case(biomarkers=[{"kind": "variant", "gene": gene, "hgvs_p": "p.Gly12Cys"} for gene in genes])
             for genes in (["KRAS", "TP53", "STK11"], [], ["EGFR"])]
    ids = [case.id for case in cases]
    db.session.expunge_all()
    # The first case's findings stored in another order than their ids.
    for biomarker, position in zip(db.session.scalars(sa.select(Biomarker).where(Biomarker.case_id == ids[0])
                                                      .order_by(Biomarker.id)), (2, 0, 1), strict=True):
        biomarker.position = position
    db.session.commit()
    loaded = list(db.session.scalars(sa.select(Case).where(Case.id.in_(ids)).order_by(Case.id)))
    with query_counter() as statements:
        load_collection(loaded, "biomarkers")
        genes = [[b.gene for b in case.biomarkers] for case in loaded]  # no statement of its own
        load_collection(loaded, "biomarkers")  # loaded already: nothing read
    assert len(statements) == 1
    assert genes == [["TP53", "STK11", "KRAS"], [], ["EGFR"]]
