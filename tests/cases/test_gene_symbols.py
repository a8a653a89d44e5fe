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


def test_admin_adds_a_renamed_symbol_that_the_old_table_lists_as_an_alias(client, admin, login):
    # The shipped table (2022) still has GBA approved and GBA1 as its alias; HGNC renamed GBA to GBA1 in 2023.
    assert check_symbol("GBA1").status is GeneStatus.ALIAS
    login(admin)
    refused = client.post("/admin/genes", data={"symbol": "GBA1"}).get_data(as_text=True)
    assert "alias of GBA" in refused and "Replaces" in refused
    response = client.post("/admin/genes", data={"symbol": "GBA1", "replaces": "GBA", "note": "HGNC:4177, 2023"})
    assert response.status_code == 302
    assert check_symbol("GBA1").status is GeneStatus.APPROVED
    old = check_symbol("gba")
    assert old.status is GeneStatus.ALIAS and old.approved == ("GBA1",)  # the old symbol now offers the new one
    page = client.get("/admin/genes").get_data(as_text=True)
    assert "GBA1" in page and "2022-04-04" in page


def test_a_symbol_replaces_only_an_approved_one(client, admin, login):
    login(admin)
    body = client.post("/admin/genes", data={"symbol": "GBA1", "replaces": "NOTAGENE9"}).get_data(as_text=True)
    assert "not an approved symbol" in body and "e.g. GBA for GBA1" in body
    body = client.post("/admin/genes", data={"symbol": "HER2", "replaces": "EGFR"}).get_data(as_text=True)
    assert "alias of ERBB2" in body  # an alias of another gene is no renaming of EGFR


def test_refresh_command_reads_hgnc_complete_set_into_the_instance_table(app, tmp_path):
    from pathlib import Path

    from mtb.cases import genes

    target = tmp_path / "hgnc_symbols.tsv"
    app.config["HGNC_TABLE"] = str(target)
    try:
        sample = Path(__file__).parent / "data" / "hgnc_complete_set_sample.txt"
        result = app.test_cli_runner().invoke(args=["genes", "refresh", str(sample)])
        assert result.exit_code == 0, result.output
        assert "5 approved symbols" in result.output and "2025-01-27" in result.output
        assert genes.table_date() == "2025-01-27"
        assert check_symbol("GBA1").status is GeneStatus.APPROVED
        assert check_symbol("GBA").approved == ("GBA1",)
        assert check_symbol("HER2").approved == ("ERBB2",)
        assert check_symbol("OLDGENE").status is GeneStatus.UNKNOWN  # withdrawn entries are not read
        assert genes.chromosome_of("MT-ND1") == "MT" and genes.chromosome_of("NKX2-1") == "14"
    finally:
        app.config["HGNC_TABLE"] = None


def test_refresh_command_refuses_a_file_that_is_not_hgncs(app, tmp_path):
    wrong = tmp_path / "genes.tsv"
    wrong.write_text("gene\tcount\nEGFR\t3\n")
    result = app.test_cli_runner().invoke(args=["genes", "refresh", str(wrong)])
    assert result.exit_code != 0 and "hgnc_complete_set.txt" in result.output


def test_unknown_symbol_message_names_the_table_date(client, clinician, login):
    from tests.fixtures.cases import case_form

    login(clinician)
    html = client.post("/boards/thoracic/cases/new", data=case_form(**{"biomarkers-0-gene": "NOTAGENE9"})
                       ).get_data(as_text=True)
    assert "table of 2022-04-04" in html
