"""What a review found in the proposals of trials to cases: criteria written with the
parentheses of a predicted change, variants of uncertain significance and synonymous
changes, trials with no molecular criterion, exon-level criteria, fusions recorded in the
unusual order, and lines of the registry form refused without saying which."""

from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa

from mtb.cases.findings import BiomarkerKind
from mtb.extensions import db
from mtb.trials.matching import CaseFacts, Finding, match
from mtb.trials.models import Trial
from tests.trials.test_registry import new_trial

TODAY = date(2026, 12, 1)


def trial(*alterations, **criteria):
    """A trial with these alterations ("KRAS p.Gly12Cys" as stored: gene, kind, change) and criteria."""
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
