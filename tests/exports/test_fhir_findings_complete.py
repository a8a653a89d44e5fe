"""A decision's bundle carries every value of the findings the board decided on, each in the
component the Genomics Reporting IG (or the MII profile built on it) gives it, and the finding as
the minutes print it in the observation's note."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mtb.cases.models import Biomarker, BiomarkerKind, Classification, GenomeBuild, MolecularReport
from mtb.decisions import services
from mtb.exports.fhir import decision_bundle, ref
from mtb.exports.fhir_genomics import HGVS, LOINC, MII_BIOMARKER, MTB_FINDING, biomarker_observation
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from tests.decisions.helpers import targeted
from tests.exports.helpers import check_bundle, resources_of

BRCA2 = {"kind": "variant", "gene": "BRCA2", "hgvs_c": "c.5946del", "hgvs_p": "p.(Ser1982ArgfsTer22)",
         "origin": "germline", "classification": "class_5", "hgvs_g": "NC_000013.11:g.32340301del", "exon": "exon 11",
         "description": "confirmed on blood"}
EML4_ALK = {"kind": "fusion", "gene": "EML4", "gene_3p": "ALK", "driver": "3p", "breakpoint_5p": "exon 13",
            "breakpoint_3p": "exon 20", "classification": "tier_1", "method": "rna_ngs"}
MET = {"kind": "cnv", "gene": "MET", "cnv_type": "amplification", "copy_number": Decimal("9"),
       "cn_ratio": Decimal("2.5"), "log2_ratio": Decimal("1.6"), "method": "fish", "origin": "somatic"}


def printed(b) -> str:
    """A finding as the case page and the minutes print it: its full label, then its details."""
    return " · ".join([b.full_label, *b.details])


def _bundle(team, started_meeting, create_case, biomarkers, target=0, build=None):
    case = create_case(status="scheduled", biomarkers=biomarkers)
    if build is not None:
        report = MolecularReport(genome_build=build)
        case.reports.append(report)
        for b in case.biomarkers:
            b.report = report
        db.session.commit()
    meeting = started_meeting(cases=[case], status=MeetingStatus.IN_SESSION)
    decision = services.save_draft(meeting.items[0], team["secretary"], "x", [targeted(case, target, drug="Alectinib")])
    services.validate(decision, team["chair"])
    db.session.commit()
    bundle = decision_bundle(decision)
    check_bundle(bundle)
    return case, bundle


def _observation(bundle, case, index):
    [found] = [o for o in resources_of(bundle, "Observation") if o["id"] == ref("Observation",
                                                                              case.biomarkers[index].id, bare=True)]
    return found


def _components(observation, system, code):
    return [c for c in observation["component"] if {"system": system, "code": code}.items()
            <= c["code"]["coding"][0].items()]


def _one(observation, code, system=LOINC):
    [component] = _components(observation, system, code)
    return component


def test_a_germline_variant_carries_its_acmg_class_genomic_change_exon_build_and_note(
        team, started_meeting, create_case):
    case, bundle = _bundle(team, started_meeting, create_case, [BRCA2], build=GenomeBuild.GRCH38)
    variant = _observation(bundle, case, 0)

    significance = _one(variant, "53037-8")["valueCodeableConcept"]
    assert significance["coding"] == [{"system": LOINC, "code": "LA6668-3", "display": "Pathogenic"}]
    assert significance["text"] == "Class 5 – pathogenic"
    assert _one(variant, "81290-9")["valueCodeableConcept"]["coding"] == [
        {"system": HGVS, "code": "NC_000013.11:g.32340301del"}]
    assert _one(variant, "47999-8")["valueString"] == "exon 11"
    assert _one(variant, "48002-0")["valueCodeableConcept"]["coding"][0]["code"] == "LA6683-2"
    assert _one(variant, "62374-4")["valueCodeableConcept"]["coding"][0]["code"] == "LA26806-2"
    assert variant["note"] == [{"text": printed(case.biomarkers[0])}, {"text": "confirmed on blood"}]
    assert variant["note"][0]["text"].startswith("BRCA2 c.5946del p.(Ser1982ArgfsTer22) · exon 11 · ")
    # The therapy's implication carries the class in the IG's clinical-significance slot too.
    [implication] = [o for o in resources_of(bundle, "Observation") if o["id"] != variant["id"]]
    assert _one(implication, "53037-8")["valueCodeableConcept"]["coding"][0]["code"] == "LA6668-3"


def test_a_fusion_says_which_partner_is_5_prime_and_which_3_prime_with_breakpoints_tier_and_method(
        team, started_meeting, create_case):
    case, bundle = _bundle(team, started_meeting, create_case, [EML4_ALK])
    fusion = _observation(bundle, case, 0)

    assert [c["valueCodeableConcept"]["text"] for c in _components(fusion, LOINC, "48018-6")] == ["EML4", "ALK"]
    assert _one(fusion, "five-prime-gene", MII_BIOMARKER)["valueCodeableConcept"]["text"] == "EML4"
    assert _one(fusion, "three-prime-gene", MII_BIOMARKER)["valueCodeableConcept"]["text"] == "ALK"
    assert _one(fusion, "five-prime-exon-id", MII_BIOMARKER)["valueCodeableConcept"]["text"] == "exon 13"
    assert _one(fusion, "three-prime-exon-id", MII_BIOMARKER)["valueCodeableConcept"]["text"] == "exon 20"
    assert _one(fusion, "95123-6")["valueCodeableConcept"]["text"] == "EML4::ALK"
    assert _one(fusion, "fusion-driver", MTB_FINDING)["valueCodeableConcept"]["text"] == "ALK"
    # An AMP/ASCO/CAP tier has no LOINC answer: its words, under no code.
    assert _one(fusion, "53037-8")["valueCodeableConcept"] == {"text": "Tier I – strong clinical significance"}
    assert fusion["method"] == {"coding": [{"system": LOINC, "code": "LA26398-0", "display": "Sequencing"}],
                                "text": "RNA NGS"}
    assert fusion["note"] == [{"text": printed(case.biomarkers[0])}]
    assert "exon 13" in fusion["note"][0]["text"] and "Tier I" in fusion["note"][0]["text"]


def test_a_copy_number_change_keeps_its_ratios_its_kind_and_how_it_was_found(team, started_meeting, create_case):
    case, bundle = _bundle(team, started_meeting, create_case, [MET])
    cnv = _observation(bundle, case, 0)

    assert _one(cnv, "gene-centromere-ratio", MTB_FINDING)["valueQuantity"]["value"] == 2.5
    assert _one(cnv, "log2-ratio", MTB_FINDING)["valueQuantity"]["value"] == 1.6
    assert _one(cnv, "82155-3")["valueQuantity"]["value"] == 9
    change = _one(cnv, "48019-4")["valueCodeableConcept"]
    assert change["coding"][0]["code"] == "SO:0001742" and change["text"] == "amplification"
    assert _one(cnv, "48002-0")["valueCodeableConcept"]["coding"][0]["code"] == "LA6684-0"
    assert cnv["method"] == {"text": "FISH"}  # no LOINC answer MTB checked: its name
    assert cnv["note"] == [{"text": printed(case.biomarkers[0])}]
    assert "2.5" in cnv["note"][0]["text"] and "1.6" in cnv["note"][0]["text"]


def test_every_kind_of_finding_reaches_the_bundle_as_the_minutes_print_it(team, started_meeting, create_case):
    rows = [
        {"kind": "variant", "gene": "KRAS", "hgvs_p": "p.Gly12Cys", "origin": "unknown"},
        {"kind": "tmb", "tmb": Decimal("14.2")},
        {"kind": "msi", "msi_status": "MSI-H", "description": "by PCR"},
        {"kind": "mmr", "mmr_status": "deficient", "mmr_lost": ["MLH1", "PMS2"]},
        {"kind": "pdl1", "pdl1_tps": Decimal("80"), "pdl1_cps": Decimal("90"), "pdl1_clone": "22C3"},
        {"kind": "hrd", "hrd_status": "positive", "hrd_score": Decimal("52")},
        {"kind": "negative", "not_detected": ["ALK", "ROS1"]},
        {"kind": "other", "description": "NRG1 overexpression by IHC"},
        {"kind": "fusion", "gene_3p": "ROS1", "partner_unknown": True, "method": "fish"},
    ]
    case, bundle = _bundle(team, started_meeting, create_case, rows)
    seen = [_observation(bundle, case, i) for i in range(len(rows))]
    kras, tmb, msi, mmr, pdl1, hrd, negative, other, ros1 = seen

    assert _one(kras, "48002-0")["valueCodeableConcept"] == {"text": "origin unknown"}
    assert tmb["valueQuantity"]["value"] == 14.2 and tmb["note"] == [{"text": printed(case.biomarkers[1])}]
    assert msi["valueCodeableConcept"]["coding"][0]["code"] == "LA26203-2"
    assert msi["note"] == [{"text": "MSI-H"}, {"text": "by PCR"}]
    for observation, row, words in ((mmr, 3, ("MLH1", "PMS2")), (pdl1, 4, ("80", "90", "22C3")),
                                    (hrd, 5, ("positive", "52")), (negative, 6, ("ALK", "ROS1"))):
        assert observation["valueString"] == case.biomarkers[row].full_label
        assert all(word in observation["valueString"] for word in words)
    assert other["valueString"] == "NRG1 overexpression by IHC" and "note" not in other
    # A rearrangement whose partner the assay cannot name: the known gene on its side, no fusion name.
    assert _one(ros1, "three-prime-gene", MII_BIOMARKER)["valueCodeableConcept"]["text"] == "ROS1"
    assert not _components(ros1, MII_BIOMARKER, "five-prime-gene") and not _components(ros1, LOINC, "95123-6")
    assert ros1["note"] == [{"text": printed(case.biomarkers[8])}]


@pytest.mark.parametrize(("classification", "code"), [
    (Classification.CLASS_5, "LA6668-3"), (Classification.CLASS_4, "LA26332-9"), (Classification.CLASS_3, "LA26333-7"),
    (Classification.CLASS_2, "LA26334-5"), (Classification.CLASS_1, "LA6675-8"),
    (Classification.TIER_I, None), (Classification.TIER_II, None), (Classification.TIER_III, None),
    (Classification.TIER_IV, None),
])
def test_each_acmg_class_has_its_loinc_answer_and_each_tier_its_words(app, classification, code):
    b = Biomarker(id=1, case_id=1, kind=BiomarkerKind.VARIANT, gene="TP53", hgvs_p="p.Arg175His",
                  classification=classification)
    value = _one(biomarker_observation(b, lambda *a, **k: "x"), "53037-8")["valueCodeableConcept"]
    assert value["text"] == str(classification.label)
    assert [c["code"] for c in value.get("coding", [])] == ([code] if code else [])
