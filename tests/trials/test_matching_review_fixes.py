"""What a review found in the proposals of trials to cases: criteria written with the
parentheses of a predicted change, variants of uncertain significance and synonymous
changes, trials with no molecular criterion, exon-level criteria, fusions recorded in the
unusual order, and lines of the registry form refused without saying which."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from mtb.cases.findings import BiomarkerKind, Classification
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from mtb.trials.matching import FAILED, MET, UNKNOWN, CaseFacts, Finding, match
from mtb.trials.models import Trial
from tests.decisions.helpers import form_post
from tests.trials.test_registry import new_trial

TODAY = date(2026, 12, 1)


def trial(*alterations, **criteria):
    """A trial with these alterations (each as stored: gene, kind, change) and criteria."""
    base = dict(alterations=list(alterations), molecular_logic="any", tmb_min=None, requires_msi_high=False,
                pdl1_tps_min=None, requires_hrd=False, icd10_ranges=[], age_min=None, age_max=None,
                prior_lines_min=None, prior_lines_max=None)
    base.update(criteria)
    return SimpleNamespace(**base)


def variant(gene, change, **fields):
    return Finding(BiomarkerKind.VARIANT, gene=gene, hgvs_p=change, **fields)


def facts(*findings, icd10="C34.1", born=date(1960, 5, 1), lines=1):
    return CaseFacts(icd10, born, lines, tuple(findings), TODAY)


def verdicts(t, case):
    return [(c.text, c.verdict) for c in match(t, case).criteria]


# --- A protein change written with the parentheses of a predicted consequence ---------------

def test_a_criterion_typed_in_parentheses_matches_the_change_with_or_without_them(app, client, login, secretary,
                                                                                   boards, create_case):
    login(secretary)
    response = client.post("/trials/new", data=new_trial(boards=[str(boards["thoracic"].id)],
                                                          alterations="KRAS p.(G12C)\nBRAF p.(V600)"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stored = db.session.scalar(sa.select(Trial))
    assert stored.alterations == [{"gene": "KRAS", "kind": "variant", "change": "p.Gly12Cys"},
                                  {"gene": "BRAF", "kind": "variant", "change": "p.Val600"}]
    case = create_case(biomarkers=({"kind": "variant", "gene": "KRAS", "hgvs_p": "p.(Gly12Cys)", "vaf": 30},))
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "KRYSTAL-7" in html and "KRAS p.Gly12Cys" in html
    # A criterion stored with them before (p.(Gly12Cys)) is read the same way.
    kept = trial({"gene": "KRAS", "kind": "variant", "change": "p.(Gly12Cys)"})
    for written in ("p.Gly12Cys", "p.(Gly12Cys)"):
        assert match(kept, facts(variant("KRAS", written))).is_match
    codon = trial({"gene": "KRAS", "kind": "variant", "change": "p.(Gly12)"})
    assert match(codon, facts(variant("KRAS", "p.(Gly12Asp)"))).is_match


# --- Variants of uncertain significance, synonymous changes ---------------------------------

KRAS_G12C = {"gene": "KRAS", "kind": "variant", "change": "p.Gly12Cys"}


@pytest.mark.parametrize("grade", [Classification.TIER_III, Classification.CLASS_3])
def test_a_variant_of_uncertain_significance_is_to_check_never_met(app, grade):
    vus = variant("KRAS", "p.Gly12Cys", classification=grade)
    alone = match(trial(KRAS_G12C), facts(vus))
    assert [c.verdict for c in alone.criteria] == [UNKNOWN]
    assert "uncertain significance" in alone.criteria[0].because
    assert not alone.is_match  # a VUS alone proposes no trial
    # Beside a criterion met, it is listed as what is left to check.
    basket = match(trial(KRAS_G12C, tmb_min=Decimal(10)), facts(vus, Finding(BiomarkerKind.TMB, tmb=Decimal(14))))
    assert basket.is_match and [c.text for c in basket.unknown] == ["KRAS p.Gly12Cys"]
    # The same change classified Tier II, beside the VUS, meets it.
    both = facts(vus, variant("KRAS", "p.Gly12Cys", classification=Classification.TIER_II))
    assert verdicts(trial(KRAS_G12C), both) == [("KRAS p.Gly12Cys", MET)]


def test_a_case_whose_only_finding_is_a_vus_is_not_shown_the_trial(client, login, member, create_case,
                                                                  create_trial):
    create_trial(title="KRAS G12C trial", acronym="G12C-VUS", alterations=[KRAS_G12C])
    case = create_case(biomarkers=({"kind": "variant", "gene": "KRAS", "hgvs_p": "p.Gly12Cys",
                                    "classification": Classification.CLASS_3, "vaf": 12},))
    login(member)
    assert "G12C-VUS" not in client.get(f"/cases/{case.id}").get_data(as_text=True)


@pytest.mark.parametrize("change, synonymous", [
    ("p.Gly12", "p.Gly12="), ("p.Gly12", "p.(Gly12=)"), ("p.Gly12", "p.="), ("p.Gly12Cys", "p.(=)"),
])
def test_a_synonymous_change_never_meets_a_codon_or_protein_criterion(app, change, synonymous):
    """KRAS G12 is no KRAS p.Gly12=: the codon is there, its amino acid unchanged."""
    kras = trial({"gene": "KRAS", "kind": "variant", "change": change})
    for grade in (None, Classification.TIER_II):
        result = match(kras, facts(variant("KRAS", synonymous, classification=grade)))
        assert [c.verdict for c in result.criteria] == [FAILED] and not result.is_match
        if "Gly12" in synonymous:
            assert result.criteria[0].because == f"KRAS {synonymous} is synonymous: no amino acid changed"


def test_a_synonymous_change_meets_a_gene_or_exon_criterion_only_when_the_lab_calls_it_pathogenic(app):
    exon20 = trial({"gene": "EGFR", "kind": "variant", "change": "exon 20"})
    q787q = variant("EGFR", "p.Gln787=", exon="exon 20")  # a common polymorphism
    assert not match(exon20, facts(q787q)).is_match
    tp53 = trial({"gene": "TP53", "kind": "variant", "change": ""})
    splice = variant("TP53", "p.Thr125=", classification=Classification.CLASS_5)  # it breaks a splice site
    assert match(tp53, facts(splice)).is_match
    assert not match(tp53, facts(variant("TP53", "p.Thr125="))).is_match


def test_a_synonymous_criterion_is_refused_naming_the_line(client, login, secretary, boards):
    login(secretary)
    response = client.post("/trials/new", data=new_trial(boards=[str(boards["thoracic"].id)],
                                                          alterations="KRAS p.G12C\nBRAF p.V600="))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "“BRAF p.V600=”" in html.replace("&#34;", '"') and "synonymous" in html


# --- Age, prior lines and other clinical criteria alone ---------------------------------------

def test_age_and_prior_lines_alone_never_propose_a_trial(app):
    adult = facts(variant("KRAS", "p.Gly12Cys"), lines=2)
    for clinical_only in (trial(age_min=18), trial(age_min=18, prior_lines_min=1), trial(prior_lines_max=3)):
        result = match(clinical_only, adult)
        assert result.matched and not result.is_match
    # A trial without molecular criteria is proposed on its diagnosis, when the case has it.
    lung = trial(icd10_ranges=["C34"], age_min=18)
    assert match(lung, adult).is_match
    assert not match(lung, facts(icd10="C43.5")).is_match
    assert not match(lung, facts(icd10=None)).is_match  # no ICD-10 code: the diagnosis is unknown


def test_a_trial_with_only_an_age_is_shown_to_no_case_and_the_registry_says_why(client, login, member, create_case,
                                                                                create_trial):
    age_only = create_trial(title="Adults of the thoracic board", acronym="AGE-ONLY", age_min=18)
    lung = create_trial(title="Lung cancers, any alteration", acronym="LUNG-ANY", icd10_ranges=["C34"], age_min=18)
    kras = create_trial(title="KRAS G12C trial", acronym="G12C", alterations=[KRAS_G12C])
    case = create_case(biomarkers=({"kind": "variant", "gene": "KRAS", "hgvs_p": "p.Gly12Cys", "vaf": 30},))
    login(member)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "AGE-ONLY" not in page and "LUNG-ANY" in page and "G12C" in page
    registry = client.get("/trials").get_data(as_text=True)

    def row(t):
        return registry.split(f'id="trial-{t.id}"')[1].split("</tr>")[0]

    note = "Not proposed to cases until its molecular or diagnosis criteria are written."
    assert note in row(age_only) and note not in row(lung) and note not in row(kras)


# --- A fusion recorded with the usual 3′ partner at the 5′ end ---------------------------------

ALK_FUSION = {"gene": "ALK", "kind": "fusion", "change": ""}
ORIENTATION = "ALK at the 5′ end: check the orientation against the report"


def fusion(five, three=None):
    return Finding(BiomarkerKind.FUSION, gene=five, gene_3p=three)


def test_a_kinase_recorded_at_the_5_prime_end_is_to_check_not_met(app):
    reversed_ = match(trial(ALK_FUSION), facts(fusion("ALK", "EML4")))
    assert [(c.verdict, c.because) for c in reversed_.criteria] == [(UNKNOWN, ORIENTATION)]
    assert reversed_.is_match  # proposed for the board to check, never as met
    any_alteration = trial({"gene": "RET", "kind": "any", "change": ""})
    assert match(any_alteration, facts(fusion("RET", "KIF5B"))).criteria[0].verdict == UNKNOWN
    # The usual order, a partner the assay could not name, a gene that is a 5′ partner: met.
    assert verdicts(trial(ALK_FUSION), facts(fusion("EML4", "ALK"))) == [("ALK fusion", MET)]
    assert verdicts(trial(ALK_FUSION), facts(fusion("ALK"))) == [("ALK fusion", MET)]
    fgfr3 = trial({"gene": "FGFR3", "kind": "fusion", "change": ""})
    assert verdicts(fgfr3, facts(fusion("FGFR3", "TACC3"))) == [("FGFR3 fusion", MET)]
    # Either order beside the other: the one in the usual order meets it.
    assert verdicts(trial(ALK_FUSION), facts(fusion("ALK", "EML4"), fusion("EML4", "ALK"))) == [("ALK fusion", MET)]


def test_the_case_page_and_the_pool_show_a_reversed_fusion_as_to_check(client, login, secretary, create_case,
                                                                         create_meeting, create_trial):
    create_trial(title="ALK trial", acronym="ALK-TRIAL", alterations=[ALK_FUSION])
    meeting = create_meeting()
    case = create_case(biomarkers=({"kind": "fusion", "gene": "ALK", "gene_3p": "EML4"},))
    login(secretary)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    panel = page.split('id="h-trials"')[1].split("</section>")[0]
    assert "ALK-TRIAL" in panel
    assert "✓ ALK fusion" not in panel and "? ALK fusion" in panel and ORIENTATION in panel
    pool = client.get(f"/meetings/{meeting.id}/agenda").get_data(as_text=True)
    line = pool.split("ALK-TRIAL")[1].split("</li>")[0]
    assert line == '</strong> <span class="muted">(unknown: ALK fusion)</span>'  # nothing met: no dangling dash


def test_recommending_a_trial_proposed_to_check_says_what_is_to_check(client, login, team, create_case,
                                                                     started_meeting, create_trial):
    alk = create_trial(title="ALK trial", acronym="ALK-TRIAL", alterations=[ALK_FUSION])
    case = create_case(biomarkers=({"kind": "fusion", "gene": "ALK", "gene_3p": "EML4"},), status="scheduled")
    meeting = started_meeting(cases=[case], status=MeetingStatus.IN_SESSION)
    login(team["secretary"])
    typed = form_post("Discussed.", [{"kind": ""}], propose_trial=str(alk.id))
    html = client.post(f"/meetings/{meeting.id}/items/{meeting.items[0].id}/decision", data=typed).get_data(as_text=True)
    rationale = html.split('name="recommendations-0-rationale"')[1].split("</textarea>")[0]
    assert rationale.split(">", 1)[1].strip() == "to check: ALK fusion"  # nothing met: no dash before it


# --- Exon-level criteria: insertions, deletions, skipping ----------------------------------

EX20_INS = {"gene": "EGFR", "kind": "variant", "change": "exon 20 insertion"}
EX19_DEL = {"gene": "EGFR", "kind": "variant", "change": "exon 19 deletion"}
MET_EX14 = {"gene": "MET", "kind": "variant", "change": "exon 14 skipping"}


def egfr(change=None, exon=None, coding=None):
    return variant("EGFR", change, exon=exon, hgvs_c=coding)


@pytest.mark.parametrize("finding, verdict", [
    (egfr("p.Ala767_Val769dup", "exon 20"), MET),
    (egfr("p.(Asp770_Asn771insSerValAsp)", "exon 20"), MET),
    (egfr("p.Asp770delinsGlyTyr", "exon 20"), MET),  # one residue for two: an insertion
    (egfr(None, "exon 20", "c.2300_2308dup"), MET),  # no protein change given: the coding one decides
    (egfr("p.Cys797Ser", "exon 20"), FAILED),
    (egfr("p.Thr790Met", "exon 20"), FAILED),
    (egfr(None, "exon 20", "c.2300dup"), FAILED),  # a frameshift, no in-frame insertion
    (egfr("p.Glu746_Ala750del", "exon 19"), FAILED),
])
def test_an_exon_insertion_criterion_takes_in_frame_insertions_of_that_exon_only(app, finding, verdict):
    assert verdicts(trial(EX20_INS), facts(finding)) == [("EGFR exon 20 insertion", verdict)]
    # "EGFR exon 20" alone still takes any change of the exon, as it says.
    exon20 = trial({"gene": "EGFR", "kind": "variant", "change": "exon 20"})
    assert match(exon20, facts(finding)).is_match is (finding.exon == "exon 20")


@pytest.mark.parametrize("finding, verdict", [
    (egfr("p.Glu746_Ala750del", "exon 19"), MET),
    (egfr("p.(Leu747_Pro753delinsSer)", "exon 19"), MET),  # seven residues for one: a deletion
    (egfr(None, "exon 19", "c.2235_2249del"), MET),
    (egfr("p.Leu858Arg", "exon 21"), FAILED),
    (egfr("p.Ile744_Lys745insLysIleProValAlaIle", "exon 19"), FAILED),
    (egfr("p.Glu746_Ala750del", None, "c.2235_2249del"), UNKNOWN),  # no exon recorded: to check
])
def test_an_exon_deletion_criterion_takes_in_frame_deletions_of_that_exon_only(app, finding, verdict):
    assert verdicts(trial(EX19_DEL), facts(finding)) == [("EGFR exon 19 deletion", verdict)]


def met_variant(coding, exon, change="p.?", **fields):
    return variant("MET", change, hgvs_c=coding, exon=exon, classification=Classification.TIER_I, **fields)


@pytest.mark.parametrize("finding, verdict", [
    (met_variant("c.3082+1G>T", "intron 14"), MET),  # the donor site after exon 14
    (met_variant("c.2942-2A>G", "intron 13"), MET),  # the acceptor site before it
    (met_variant("c.3070_3082+8del", "exon 14"), MET),  # a deletion across the donor site
    (Finding(BiomarkerKind.FUSION, gene="MET", gene_3p="MET", breakpoint_5p="exon 13", breakpoint_3p="exon 15"), MET),
    (met_variant("c.2942-18_2942-3del", "intron 13"), UNKNOWN),  # near the acceptor: to check
    (Finding(BiomarkerKind.VARIANT, gene="MET", hgvs_p="p.?", description="Exon 14 skipping (RNA)"), UNKNOWN),
    (met_variant("c.2941+1G>T", "intron 13"), FAILED),  # the donor site of exon 13
    (met_variant("c.3082+1G>T", None), UNKNOWN),  # a splice site, no exon recorded: to check
    (met_variant("c.3082+25G>T", None), FAILED),
    (met_variant("c.3007A>T", "exon 14", "p.Tyr1003Phe"), FAILED),
    (Finding(BiomarkerKind.CNV, gene="MET", cnv_type="amplification"), FAILED),
])
def test_exon_14_skipping_is_a_splice_site_change_around_the_exon_or_the_exons_joined(app, finding, verdict):
    result = match(trial(MET_EX14), facts(finding))
    assert [(c.text, c.verdict) for c in result.criteria] == [("MET exon 14 skipping", verdict)]
    if verdict == UNKNOWN:
        assert "check" in result.criteria[0].because and result.is_match  # shown, to check


def test_exon_criteria_are_typed_as_reports_write_them_and_shown_on_the_case_page(client, login, secretary, boards,
                                                                                   create_case):
    login(secretary)
    response = client.post("/trials/new", data=new_trial(
        boards=[str(boards["thoracic"].id)], alterations="EGFR exon 20 insertion\nEGFR ex19del\nMET exon 14 skipping",
        tmb_min="", pdl1_tps_min=""))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert db.session.scalar(sa.select(Trial)).alterations == [EX20_INS, EX19_DEL, MET_EX14]
    form = client.get(f"/trials/{db.session.scalar(sa.select(Trial.id))}/edit").get_data(as_text=True)
    assert "EGFR exon 20 insertion\nEGFR exon 19 deletion\nMET exon 14 skipping" in form.replace("\r\n", "\n")
    c797s = create_case(biomarkers=({"kind": "variant", "gene": "EGFR", "hgvs_p": "p.Cys797Ser", "exon": "exon 20"},))
    assert "KRYSTAL-7" not in client.get(f"/cases/{c797s.id}").get_data(as_text=True)
    insertion = create_case(biomarkers=({"kind": "variant", "gene": "EGFR", "hgvs_p": "p.Ala767_Val769dup",
                                         "exon": "exon 20"},))
    html = client.get(f"/cases/{insertion.id}").get_data(as_text=True)
    assert "KRYSTAL-7" in html and "✓ EGFR exon 20 insertion" in html


def test_a_note_saying_exon_14_is_skipped_is_to_check_and_one_saying_it_is_not_is_nothing(app):
    def noted(note):
        return match(trial(MET_EX14), facts(Finding(BiomarkerKind.VARIANT, gene="MET", hgvs_p="p.?",
                                                    description=note))).criteria[0].verdict
    assert noted("METex14 skipping by RNA NGS") == UNKNOWN
    assert noted("MET exon 14 skipping not detected") == FAILED
    assert noted("exon 15 skipping") == FAILED


# --- Lines of the registry form that cannot be read ------------------------------------------

def refused(client, boards, alterations: str) -> str:
    response = client.post("/trials/new", data=new_trial(boards=[str(boards["thoracic"].id)], alterations=alterations))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    return html.split('id="alterations-error"')[1].split("</p>")[0].replace("&#39;", "'")


@pytest.mark.parametrize("line", ["EGFR wild-type", "KRAS WT", "ALK negative", "BRAF wildtype"])
def test_a_wild_type_criterion_is_refused_with_where_to_write_it(client, login, secretary, boards, line):
    login(secretary)
    message = refused(client, boards, f"KRAS p.G12C\n{line}")
    assert f"“{line}”: wild-type (negative) criteria are not supported" in message
    assert "eligibility text" in message
    assert "HGVS" not in message


@pytest.mark.parametrize("line, problem", [
    ("HER2 amplification", "HER2 is an alias or previous symbol of ERBB2"),
    ("FOO1 fusion", "FOO1 is not an HGNC gene symbol"),
    ("EGFR exon 0", "Write the exon or intron number"),
    ("KRAS p.G12Z", "is not a single amino acid"),
])
def test_each_unreadable_line_is_named_in_its_message(client, login, secretary, boards, line, problem):
    login(secretary)
    message = refused(client, boards, f"KRAS p.G12C\n{line}\nBRAF V600")
    assert f"“{line}”: " in message and problem in message
    assert "KRAS p.G12C" not in message and "BRAF V600" not in message
