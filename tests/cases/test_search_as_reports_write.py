"""The case search finds a finding written the way pathology reports write it: one-letter
indels and insertions, short frameshifts and nonsense changes, a gene or reference before
the change, the exon, the protein reference; through the search index, not a scan."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from mtb.cases import search as search_index
from tests.cases.test_lists import search


def _found(client, q, cases) -> set:
    html = search(client, q)
    return {case for case in cases if case.reference in html}


def test_one_letter_indels_and_insertions_find_the_stored_three_letter_change(client, login, clinician,
                                                                               create_case):
    deletion = create_case(biomarkers=[{"kind": "variant", "gene": "EGFR", "hgvs_c": "c.2235_2249del",
                                        "hgvs_p": "p.Glu746_Ala750del", "exon": "exon 19"}])
    delins = create_case(biomarkers=[{"kind": "variant", "gene": "EGFR", "hgvs_p": "p.(Glu746_Ala750delinsGln)"}])
    insertion = create_case(biomarkers=[{"kind": "variant", "gene": "ERBB2",
                                         "hgvs_p": "p.Ala775_Gly776insTyrValMetAla"}])
    everyone = {deletion, delins, insertion}
    login(clinician)
    expected = {
        "Glu746_Ala750del": {deletion}, "E746_A750del": {deletion}, "p.E746_A750del": {deletion},
        "p.(E746_A750del)": {deletion}, "e746_a750del": {deletion}, "E746_A750delinsQ": {delins},
        "E746_A750": {deletion, delins},  # the residues alone: any change of them
        "A775_G776insYVMA": {insertion}, "p.A775_G776insYVMA": {insertion}, "A775_G776ins": {insertion},
        "A775_G776insYVMV": set(),
    }
    for q, cases in expected.items():
        assert _found(client, q, everyone) == cases, q


def test_a_dna_change_typed_as_the_report_wrote_it_finds_what_the_form_stored(client, login, clinician,
                                                                               create_case):
    """The form stores c.2235_2249del for c.2235_2249del15 or ...delGGAATTAAGAGAAGC: a
    search for the report's own words finds it."""
    egfr = create_case(biomarkers=[{"kind": "variant", "gene": "EGFR", "transcript": "NM_005228.5",
                                    "hgvs_c": "c.2235_2249del"}])
    brca2 = create_case(biomarkers=[{"kind": "variant", "gene": "BRCA2", "hgvs_c": "c.5946del"}])
    everyone = {egfr, brca2}
    login(clinician)
    for q, cases in {"c.2235_2249del15": {egfr}, "c.2235_2249delGGAATTAAGAGAAGC": {egfr},
                     "NM_005228.5:c.2235_2249del15": {egfr}, "c.5946delT": {brca2}, "c.5946delA": {brca2},
                     "c.2235_2249del": {egfr}}.items():
        assert _found(client, q, everyone) == cases, q


def test_a_frameshift_written_short_finds_the_stored_frameshift(client, login, clinician, create_case):
    brca2 = create_case(biomarkers=[{"kind": "variant", "gene": "BRCA2", "hgvs_p": "p.Arg1443GlyfsTer12"}])
    predicted = create_case(biomarkers=[{"kind": "variant", "gene": "BRCA1", "hgvs_p": "p.(Ser1982ArgfsTer22)"}])
    short = create_case(biomarkers=[{"kind": "variant", "gene": "APC", "hgvs_p": "p.Arg1443fs"}])
    missense = create_case(biomarkers=[{"kind": "variant", "gene": "BRCA2", "hgvs_p": "p.Arg1443Gln"}])
    everyone = {brca2, predicted, short, missense}
    login(clinician)
    expected = {
        "R1443fs": {brca2, short}, "p.R1443fs": {brca2, short}, "Arg1443fs": {brca2, short},
        "R1443fs*12": {brca2, short}, "R1443Gfs*12": {brca2}, "p.Arg1443GlyfsTer12": {brca2},
        "S1982fs": {predicted}, "p.(S1982Rfs*22)": {predicted},
        "R144fs": set(), "R1443": {brca2, short, missense},
    }
    for q, cases in expected.items():
        assert _found(client, q, everyone) == cases, q


def test_a_nonsense_change_written_with_a_star_finds_the_stored_ter(client, login, clinician, create_case):
    nonsense = create_case(biomarkers=[{"kind": "variant", "gene": "TP53", "hgvs_p": "p.Arg213Ter"}])
    missense = create_case(biomarkers=[{"kind": "variant", "gene": "TP53", "hgvs_p": "p.Arg213Gln"}])
    everyone = {nonsense, missense}
    login(clinician)
    for q in ("Arg213*", "R213*", "p.R213*", "p.(Arg213*)", "Arg213Ter"):
        assert _found(client, q, everyone) == {nonsense}, q
    # X is a stop in some reports and any residue in others: the position finds both readings.
    assert _found(client, "R213X", everyone) == {nonsense, missense}


def test_a_gene_or_reference_before_the_change_is_a_word_of_its_own(client, login, clinician, create_case):
    braf = create_case(biomarkers=[{"kind": "variant", "gene": "BRAF", "transcript": "NM_004333.6",
                                    "hgvs_c": "c.1799T>A", "hgvs_p": "p.Val600Glu",
                                    "protein_reference": "NP_004324.2"}])
    kras = create_case(biomarkers=[{"kind": "variant", "gene": "KRAS", "hgvs_p": "p.Gly12Cys"}])
    everyone = {braf, kras}
    login(clinician)
    # As "BRAF p.V600E" typed with a space: the case has both.
    expected = {
        "BRAF:p.V600E": {braf}, "BRAF:V600E": {braf}, "braf:p.(V600E)": {braf}, "KRAS:p.V600E": set(),
        "KRAS:p.G12C": {kras},
        "NM_004333.6:c.1799T>A": {braf}, "NM_004333.6(BRAF):c.1799T>A": {braf},
        "NP_004324.2": {braf}, "NP_004324": {braf}, "NP_004324.2:p.V600E": {braf},
    }
    for q, cases in expected.items():
        assert _found(client, q, everyone) == cases, q


def test_an_exon_is_found_as_the_findings_exon_and_exon_1_is_not_exon_19(client, login, clinician, create_case):
    egfr = create_case(biomarkers=[{"kind": "variant", "gene": "EGFR", "hgvs_p": "p.Glu746_Ala750del",
                                    "exon": "exon 19"}])
    insertion = create_case(biomarkers=[{"kind": "variant", "gene": "EGFR",
                                         "hgvs_p": "p.Asp770_Asn771insSerValAsp", "exon": "exon 20"}])
    met = create_case(biomarkers=[{"kind": "variant", "gene": "MET", "hgvs_c": "c.3028G>T", "exon": "exon 14"}])
    span = create_case(biomarkers=[{"kind": "variant", "gene": "KIT", "exon": "exon 1-3"}])
    # A panel that tested MET exon 14 and found nothing is no MET exon 14 finding.
    negative = create_case(biomarkers=[{"kind": "negative", "not_detected": ["EGFR", "MET exon 14"]}])
    everyone = {egfr, insertion, met, span, negative}
    login(clinician)
    expected = {
        "EGFR exon 19": {egfr}, "exon 19": {egfr}, "Exon 19": {egfr}, "exon19": {egfr}, "ex19": {egfr},
        "exon 20": {insertion}, "EGFR exon 20": {insertion}, "MET exon 14": {met}, "exon 14": {met},
        "MET exon 19": set(), "exon 1": {span}, "exon 1-3": {span}, "exon": {egfr, insertion, met, span},
    }
    for q, cases in expected.items():
        assert _found(client, q, everyone) == cases, q


def test_report_forms_are_searched_through_the_index(client, login, clinician, create_case, query_counter):
    create_case(biomarkers=[{"kind": "variant", "gene": "EGFR", "hgvs_p": "p.Glu746_Ala750del", "exon": "exon 19"}])
    login(clinician)
    for q in ("EGFR exon 19", "E746_A750del", "R1443fs", "BRAF:p.V600E", "NP_004324.2", "R213*"):
        search(client, q)
        with query_counter() as statements:
            search(client, q)
        # The scan of the whole index (words under three characters, ``search.containing``) is not used.
        assert not [s for s in statements if "instr(lower(" in s], q


def test_the_words_stand_for_the_stored_forms():
    from mtb.cases.queries import search_terms

    [deletion] = search_terms("p.E746_A750del")
    assert deletion.protein_changes == ("p.Glu746_Ala750del", "p.(Glu746_Ala750del)")
    [frameshift] = search_terms("R1443fs")
    assert frameshift.protein == "Arg1443fs" and frameshift.protein_changes == ()
    assert [(t.text, t.genes) for t in search_terms("BRAF:p.V600E")] == [("BRAF", ("BRAF",)), ("p.V600E", ())]
    assert [(t.text, t.location) for t in search_terms("MET exon 14")] == [("MET", None), ("exon 14", "exon 14")]
    assert [t.location for t in search_terms("IVS13 exon 18-21 exon skipping")] == [
        "intron 13", "exon 18-21", None, None]


# --- The index of existing cases -------------------------------------------------

def _existing_case(conn) -> None:
    """A case with its findings as stored before the migration (board and user left out)."""
    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    conn.execute(sa.text(
        "INSERT INTO cases (id, reference, board_id, submitter_id, status, version, patient_record_number, "
        "patient_name, patient_sex, patient_birth_date, diagnosis, icd10_code, clinical_question, urgency, "
        "research_consent, created_at, updated_at, listed_at) VALUES (1, 'THO-2026-0001', 1, 1, 'submitted', 1, "
        "'IPP1', 'A B', 'female', '1960-01-01', 'Lung', 'C34.1', 'Q', 'routine', '[]', '2026-01-01', "
        "'2026-01-01', '2026-01-01')"))
    findings = [
        {"kind": "variant", "gene": "EGFR", "hgvs_p": "p.Glu746_Ala750del", "exon": "exon 19",
         "protein_reference": "NP_005219.2"},
        {"kind": "variant", "gene": "BRCA2", "hgvs_p": "p.(Arg1443GlyfsTer12)", "exon": None,
         "protein_reference": None},
        {"kind": "variant", "gene": "APC", "hgvs_p": "p.Arg1443fs", "exon": None, "protein_reference": None},
        {"kind": "cnv", "gene": "MET", "hgvs_p": None, "exon": None, "protein_reference": None},
    ]
    for position, finding in enumerate(findings):
        conn.execute(sa.text(
            "INSERT INTO biomarkers (case_id, position, kind, gene, hgvs_p, exon, protein_reference, partner_unknown) "
            "VALUES (1, :position, :kind, :gene, :hgvs_p, :exon, :protein_reference, 0)"),
            {"position": position, **finding})
    conn.execute(sa.text("DELETE FROM case_search"))
    conn.execute(sa.text("INSERT INTO case_search (rowid, about, findings) VALUES (1, 'THO-2026-0001', "
                         "'EGFR\nBRCA2\nAPC\nMET')"))


def _indexed(conn) -> str:
    return conn.execute(sa.text("SELECT findings FROM case_search WHERE rowid = 1")).scalar_one()


def test_the_upgrade_indexes_existing_findings_as_reports_write_them(scratch_database):
    upgrade(revision="n1search01")
    with scratch_database.begin() as conn:
        _existing_case(conn)
    upgrade(revision="o1search02")
    with scratch_database.connect() as conn:
        findings = _indexed(conn)
        expected = conn.execute(search_index._documents([1])).one()[2]
    assert findings == expected  # as a new write indexes them
    for words in ("exon 19\n", "NP_005219.2\n", "p.(Arg1443fs\n"):
        assert words in findings, words
    assert "p.Arg1443fs\np.Arg1443fs" not in findings  # one already short is not written twice
    downgrade(revision="n1search01")
    with scratch_database.connect() as conn:
        assert "exon 19" not in _indexed(conn) and "p.Glu746_Ala750del" in _indexed(conn)
