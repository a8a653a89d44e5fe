"""Administrators add HGNC symbols approved after the shipped table."""

from mtb.cases.genes import GeneStatus, check_symbol


def test_unknown_symbol_is_accepted_once_an_admin_adds_it(client, admin, login):
    assert check_symbol("NEWGENE1").status is GeneStatus.UNKNOWN
    login(admin)
    response = client.post("/admin/genes", data={"symbol": "NEWGENE1", "chromosome": "7q31", "note": "HGNC:99999"})
    assert response.status_code == 302
    assert check_symbol("newgene1").status is GeneStatus.APPROVED
    assert check_symbol("newgene1").approved == ("NEWGENE1",)
    assert "NEWGENE1" in client.get("/admin/genes").get_data(as_text=True)


def test_existing_symbols_and_aliases_are_not_added_again(client, admin, login):
    login(admin)
    body = client.post("/admin/genes", data={"symbol": "EGFR"}).get_data(as_text=True)
    assert "EGFR is already an approved symbol." in body
    body = client.post("/admin/genes", data={"symbol": "HER2"}).get_data(as_text=True)
    assert "alias of ERBB2" in body
    body = client.post("/admin/genes", data={"symbol": "bad symbol!"}).get_data(as_text=True)
    assert "letters, digits" in body and 'value="bad symbol!"' in body


def test_only_admins_add_symbols(client, clinician, login):
    login(clinician)
    assert client.get("/admin/genes").status_code == 403
    assert client.post("/admin/genes", data={"symbol": "NEWGENE2"}).status_code == 403
