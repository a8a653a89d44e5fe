"""Who sees which case: the submitter, and anyone with a role on the case's board."""

import html
import re

import sqlalchemy as sa

from mtb.audit.models import AuditEvent
from mtb.cases import queries, services
from mtb.extensions import db
from tests.fixtures.cases import MINIMAL_PDF


def add_pdf(case, user):
    from mtb.cases.uploads import check_upload

    return services.attach_file(case, user, check_upload("report.pdf", MINIMAL_PDF, 10_000), None)


def test_member_of_the_board_opens_the_case_and_the_view_is_audited(client, member, login, create_case):
    case = create_case()
    login(member)
    response = client.get(f"/cases/{case.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert case.reference in html and "Jeanne Martin" in html and "EGFR c.2573T&gt;G p.Leu858Arg" in html
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "case.view"))
    assert event.object_id == case.id and event.user_id == member.id and event.board_id == case.board_id


def test_clinician_cannot_open_other_boards_case(client, other_clinician, login, create_case):
    case = create_case(board="thoracic")
    attachment = add_pdf(case, case.submitter)
    db.session.commit()
    login(other_clinician)
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.get(f"/cases/{case.id}/edit").status_code == 404
    assert client.get(f"/cases/{case.id}/attachments/{attachment.id}").status_code == 404
    assert client.post(f"/cases/{case.id}/withdraw").status_code == 404
    assert client.get("/boards/thoracic/cases").status_code == 403
    assert client.get("/boards/thoracic/cases/new").status_code == 403


def test_unknown_case_is_404(client, clinician, login):
    login(clinician)
    assert client.get("/cases/999999").status_code == 404


def test_other_boards_cases_never_appear_in_lists_or_search(client, other_clinician, login, create_case):
    thoracic = create_case(board="thoracic")
    own = create_case(board="paediatric", submitter=other_clinician, diagnosis="Neuroblastoma",
                      biomarkers=[{"kind": "variant", "gene": "ALK", "hgvs_p": "p.Phe1174Leu"}])
    login(other_clinician)
    for url in ("/cases/mine", "/boards/paediatric/cases", "/boards/paediatric/cases?q=EGFR",
                "/cases/mine?q=EGFR&status=all", "/boards/paediatric/cases?q=THO"):
        html = client.get(url).get_data(as_text=True)
        assert thoracic.reference not in html, url
    assert own.reference in client.get("/boards/paediatric/cases?q=alk").get_data(as_text=True)


def test_submitter_keeps_access_after_leaving_the_board(client, make_user, login, create_case):
    from mtb.accounts.models import BoardRole

    user = make_user("leaving@example.org", {"thoracic": ["clinician"]})
    case = create_case(submitter=user)
    db.session.execute(sa.delete(BoardRole).where(BoardRole.user_id == user.id))
    db.session.commit()
    login(user)
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert case.reference in client.get("/cases/mine").get_data(as_text=True)


def test_other_peoples_drafts_stay_out_of_board_lists(client, member, clinician, login, create_case):
    draft = create_case(submitter=clinician, status="draft", diagnosis="Draft diagnosis")
    login(member)
    assert draft.reference not in client.get("/boards/thoracic/cases?status=all").get_data(as_text=True)


def test_visible_cases_is_the_rule_in_sql(app, make_user, create_case, other_clinician):
    thoracic = create_case(board="thoracic")
    paediatric = create_case(board="paediatric", submitter=other_clinician)
    outsider = make_user("nobody@example.org")
    seen = lambda user: set(db.session.scalars(queries.visible_cases(user)))  # noqa: E731
    assert seen(other_clinician) == {paediatric}
    assert seen(thoracic.submitter) == {thoracic}
    assert seen(outsider) == set()


def test_list_filters_by_status_and_text(client, member, login, create_case):
    egfr = create_case(diagnosis="Lung adenocarcinoma")
    alk = create_case(diagnosis="Large cell carcinoma", status="withdrawn",
                      biomarkers=[{"kind": "fusion", "gene": "EML4", "gene_3p": "ALK"}])
    login(member)
    default = client.get("/boards/thoracic/cases").get_data(as_text=True)
    assert egfr.reference in default and alk.reference not in default  # withdrawn hidden by default
    assert alk.reference in client.get("/boards/thoracic/cases?status=withdrawn").get_data(as_text=True)
    by_gene = client.get("/boards/thoracic/cases?status=all&q=alk").get_data(as_text=True)
    assert alk.reference in by_gene and egfr.reference not in by_gene
    by_reference = client.get(f"/boards/thoracic/cases?q={egfr.reference}").get_data(as_text=True)
    assert egfr.reference in by_reference and alk.reference not in by_reference
    by_diagnosis = client.get("/boards/thoracic/cases?q=adenocarc").get_data(as_text=True)
    assert egfr.reference in by_diagnosis
    assert "No case matches" in client.get("/boards/thoracic/cases?q=%25_nothing").get_data(as_text=True)


def test_list_is_paginated(app, client, member, login, create_case, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    refs = [create_case().reference for _ in range(3)]
    login(member)
    first = client.get("/boards/thoracic/cases").get_data(as_text=True)
    assert refs[2] in first and refs[1] in first and refs[0] not in first
    assert "3 cases" in first and "First page" not in first and "Newer" not in first
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1)
    second = client.get(html.unescape(older)).get_data(as_text=True)
    assert refs[0] in second and refs[1] not in second and "First page" in second and 'rel="next"' not in second
    newer = re.search(r'href="([^"]+)" rel="prev"', second).group(1)
    assert refs[1] in client.get(html.unescape(newer)).get_data(as_text=True)
    # Old links by page number still answer.
    assert refs[0] in client.get("/boards/thoracic/cases?page=2").get_data(as_text=True)
