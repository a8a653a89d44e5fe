"""What trial matching reads of a case (its findings, diagnosis, age and lines, as tuples)
and what it says of one criterion: met, failed, or unknown (to check)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from mtb.cases.findings import BiomarkerKind, Classification, HrdStatus, MmrStatus, MsiStatus, Pdl1Category

MET, FAILED, UNKNOWN = "met", "failed", "unknown"


class Finding(NamedTuple):
    """One biomarker row, reduced to what the criteria read. A tuple: the pool's findings
    key the kept verdicts (``mtb.trials.queries``), built, hashed and compared on every view."""

    kind: BiomarkerKind
    gene: str | None = None
    gene_3p: str | None = None
    hgvs_p: str | None = None
    hgvs_c: str | None = None
    exon: str | None = None
    cnv_type: str | None = None
    tmb: Decimal | None = None
    msi_status: MsiStatus | None = None
    mmr_status: MmrStatus | None = None
    pdl1_tps: Decimal | None = None
    pdl1_category: Pdl1Category | None = None
    hrd_status: HrdStatus | None = None
    not_detected: tuple[str, ...] = ()
    classification: Classification | None = None
    #: A fusion's breakpoints ("exon 13", "exon 15") and any finding's note, as the lab worded it.
    breakpoint_5p: str | None = None
    breakpoint_3p: str | None = None
    description: str | None = None


class CaseFacts(NamedTuple):
    icd10_code: str | None
    birth_date: date | None
    prior_lines: int | None
    findings: tuple[Finding, ...] = ()
    today: date | None = None

    @classmethod
    def of(cls, case, biomarkers=None, today: date | None = None) -> CaseFacts:
        rows = case.biomarkers if biomarkers is None else biomarkers
        return cls(case.icd10_code or None, case.patient_birth_date, case.prior_lines, tuple(
            Finding(b.kind, b.gene, b.gene_3p, b.hgvs_p, b.hgvs_c, b.exon,
                    b.cnv_type.value if b.cnv_type else None, b.tmb, b.msi_status, b.mmr_status, b.pdl1_tps,
                    b.pdl1_category, b.hrd_status, tuple(b.not_detected or ()), b.classification,
                    b.breakpoint_5p, b.breakpoint_3p, b.description)
            for b in rows), today)


@dataclass(frozen=True)
class Criterion:
    """One criterion's verdict, worded for the board: "BRAF p.Val600Glu", "TMB ≥ 10 mut/Mb".

    The words are given as functions and written only when read: a pool of 60 cases meets
    40 trials each, and only the few matches are shown."""

    words: Callable[[], str]
    verdict: str
    #: What the case has that decided it ("found: BRAF p.Val600Glu", "TMB 4 mut/Mb").
    reason: Callable[[], str | None] | None = None
    #: An unknown the case's own finding leaves (a fusion recorded in the unusual order, a change
    #: near a splice site): the finding is likely the alteration asked for, so the trial is
    #: proposed for the board to check, not hidden. A test never done, or a variant of
    #: uncertain significance, is not.
    proposes: bool = False

    @property
    def text(self) -> str:
        return self.words()

    @property
    def because(self) -> str | None:
        return self.reason() if self.reason is not None else None
