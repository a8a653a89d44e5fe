"""Demo: for each board, a meeting held about ten days ago, with quorum, two decided
cases and decisions validated by the chair; the meeting is closed. The minutes part's
demo then signs it (minutes and decision letters)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from dateutil.rrule import rrulestr

from mtb.accounts.models import User
from mtb.boards.models import Board
from mtb.cases.lifecycle import change_status
from mtb.cases.models import (
    Biomarker,
    BiomarkerKind,
    Case,
    CaseStatus,
    CnvType,
    GenomeBuild,
    MolecularReport,
    Sex,
    SpecimenType,
)
from mtb.cases.references import next_reference
from mtb.decisions import attendance, queries, services
from mtb.decisions.session import close_meeting, start_meeting
from mtb.extensions import db
from mtb.meetings.models import AgendaItem, Meeting, MeetingStatus

V = BiomarkerKind.VARIANT

#: Per board: (case fields, biomarkers, decision summary, recommendations by biomarker index).
DEMO = {
    "thoracic": [
        (
            dict(patient_name="Bernard Lefort", patient_record_number="IPP0048213", patient_sex=Sex.MALE,
                 patient_birth_date=date(1958, 9, 14), diagnosis="Lung adenocarcinoma, stage IVB", icd10_code="C34.1",
                 icdo3_morphology="8140/3", stage="IVB", ecog=1, prior_lines=1,
                 prior_treatments="Osimertinib 80 mg, 22 months, partial response then progression (liver, bone).",
                 clinical_question="Progression on first-line osimertinib. Liquid biopsy shows MET amplification: "
                                   "MET-directed combination or trial?"),
            [dict(kind=V, gene="EGFR", hgvs_c="c.2573T>G", hgvs_p="p.Leu858Arg", vaf=28.4),
             dict(kind=BiomarkerKind.CNV, gene="MET", cnv_type=CnvType.AMPLIFICATION, copy_number=9.0),
             dict(kind=V, gene="TP53", hgvs_c="c.743G>A", hgvs_p="p.Arg248Gln", vaf=31.0)],
            "Acquired MET amplification (9 copies) under osimertinib, EGFR L858R retained. The board agrees on "
            "continuing EGFR inhibition combined with a MET inhibitor, preferably within a trial.",
            [dict(kind="clinical_trial", trial_id="NCT05261399", trial_site="Centre Léon Bérard, Lyon", trial_phase="3",
                  trial_title="SAFFRON: savolitinib + osimertinib in EGFR-mutated, MET-amplified NSCLC",
                  rationale="Osimertinib + savolitinib after progression with MET amplification."),
             dict(kind="targeted_therapy", drug="Osimertinib + savolitinib", biomarker=1, escat_tier="II-B",
                  access_route="early_access", rationale="If not eligible for the trial.")],
        ),
        (
            dict(patient_name="Hélène Garnier", patient_record_number="IPP0051877", patient_sex=Sex.FEMALE,
                 patient_birth_date=date(1966, 2, 3), diagnosis="Lung adenocarcinoma, stage IVA", icd10_code="C34.3",
                 icdo3_morphology="8140/3", stage="IVA", ecog=1, prior_lines=1,
                 prior_treatments="Carboplatin-pemetrexed-pembrolizumab, progression after 9 months.",
                 clinical_question="KRAS G12C found on the NGS panel: second-line options?"),
            [dict(kind=V, gene="KRAS", hgvs_c="c.34G>T", hgvs_p="p.Gly12Cys", vaf=22.1),
             dict(kind=BiomarkerKind.PDL1, pdl1_tps=5),
             dict(kind=V, gene="STK11", hgvs_c="c.109C>T", hgvs_p="p.Gln37Ter", vaf=40.2)],
            "KRAS p.G12C with STK11 co-mutation after chemo-immunotherapy. Sotorasib is approved in second line.",
            [dict(kind="targeted_therapy", drug="Sotorasib", biomarker=0, escat_tier="I-B", oncokb_level="1",
                  access_route="approved", rationale="CodeBreaK 200.")],
        ),
    ],
    "paediatric": [
        (
            dict(patient_name="Lucas Moreau", patient_record_number="IPP0062034", patient_sex=Sex.MALE,
                 patient_birth_date=date(2017, 6, 21), diagnosis="Neuroblastoma, relapsed", icd10_code="C74.1",
                 icdo3_morphology="9500/3", stage="M", ecog=1, prior_lines=2,
                 prior_treatments="Rapid COJEC, busulfan-melphalan, anti-GD2 immunotherapy; relapse at 14 months.",
                 clinical_question="ALK F1174L on the relapse biopsy: ALK inhibitor? Germline testing?"),
            [dict(kind=V, gene="ALK", hgvs_c="c.3522C>A", hgvs_p="p.Phe1174Leu", vaf=18.3),
             dict(kind=BiomarkerKind.CNV, gene="MYCN", cnv_type=CnvType.GAIN, copy_number=4.0)],
            "ALK F1174L confers crizotinib resistance; lorlatinib is active. Germline ALK testing recommended "
            "(familial neuroblastoma).",
            [dict(kind="targeted_therapy", drug="Lorlatinib", biomarker=0, evidence="nct:m1B",
                  evidence_modifiers=["iv"],
                  access_route="compassionate_use", rationale="Phase 1 paediatric data (NANT 2015-02)."),
             dict(kind="germline_counselling", rationale="Germline ALK analysis with consent of both parents.")],
        ),
        (
            dict(patient_name="Inès Benali", patient_record_number="IPP0063391", patient_sex=Sex.FEMALE,
                 patient_birth_date=date(2014, 11, 2), diagnosis="Pilocytic astrocytoma, progressive",
                 icd10_code="C71.6", icdo3_morphology="9421/1", stage="", ecog=0, prior_lines=1,
                 prior_treatments="Carboplatin-vincristine, progression at 11 months.",
                 clinical_question="KIAA1549::BRAF fusion: MEK or type II RAF inhibitor?"),
            [dict(kind=BiomarkerKind.FUSION, gene="KIAA1549", gene_3p="BRAF")],
            "Progressive low-grade glioma with KIAA1549::BRAF fusion. MAPK-pathway inhibition recommended.",
            [dict(kind="targeted_therapy", drug="Tovorafenib", biomarker=0, evidence="oncokb:1",
                  access_route="early_access", rationale="FIREFLY-1."),
             dict(kind="further_testing", test_name="RNA sequencing fusion panel", test_sample="archived block",
                  rationale="Confirm the fusion breakpoint.")],
        ),
    ],
    "dermatology": [
        (
            dict(patient_name="Marc Dupuis", patient_record_number="IPP0071122", patient_sex=Sex.MALE,
                 patient_birth_date=date(1972, 1, 30), diagnosis="Cutaneous melanoma, stage IV (M1c)",
                 icd10_code="C43.5", icdo3_morphology="8720/3", stage="IV M1c", ecog=0, prior_lines=0,
                 clinical_question="BRAF V600E metastatic melanoma, LDH normal: first-line strategy?"),
            [dict(kind=V, gene="BRAF", hgvs_c="c.1799T>A", hgvs_p="p.Val600Glu", vaf=35.6),
             dict(kind=BiomarkerKind.TMB, tmb=12.5)],
            "BRAF V600E, low tumour burden, normal LDH. Immunotherapy first, BRAF/MEK inhibition at progression.",
            [dict(kind="standard_of_care", rationale="Ipilimumab + nivolumab first (DREAMseq)."),
             dict(kind="targeted_therapy", drug="Dabrafenib + trametinib", biomarker=0, escat_tier="I-A",
                  oncokb_level="1", access_route="approved", rationale="Second line, at progression.")],
        ),
        (
            dict(patient_name="Sylvie Roche", patient_record_number="IPP0072408", patient_sex=Sex.FEMALE,
                 patient_birth_date=date(1961, 8, 8), diagnosis="Cutaneous melanoma, stage IV (M1b)",
                 icd10_code="C43.7", icdo3_morphology="8721/3", stage="IV M1b", ecog=1, prior_lines=1,
                 prior_treatments="Nivolumab 14 months, progression.",
                 clinical_question="NRAS Q61R melanoma progressing on anti-PD-1: options?"),
            [dict(kind=V, gene="NRAS", hgvs_c="c.182A>G", hgvs_p="p.Gln61Arg", vaf=41.0),
             dict(kind=BiomarkerKind.TMB, tmb=18.0)],
            "NRAS Q61R after anti-PD-1 failure. No approved targeted therapy; trial preferred.",
            [dict(kind="clinical_trial", trial_id="MEL-NRAS-02", trial_site="Hôpital Édouard Herriot", trial_phase="1/2",
                  trial_title="Pan-RAF + MEK inhibition in NRAS-mutated melanoma",
                  rationale="Local pan-RAF + MEK trial."),
             dict(kind="standard_of_care", rationale="Ipilimumab + nivolumab if not eligible.")],
        ),
    ],
}

#: The meeting day, as the demo user finds it: the dermatology board's latest meeting closed
#: with drafts waiting for the chair (one case deferred, with its reason); a paediatric
#: meeting in session now, on its second case (the live view and the presentation).
TODAY = {
    "dermatology": [
        (dict(patient_name="Julien Masson", patient_record_number="IPP0073315", patient_sex=Sex.MALE,
              patient_birth_date=date(1980, 5, 17), diagnosis="Acral melanoma, stage IIIC", icd10_code="C43.7",
              icdo3_morphology="8744/3", stage="IIIC", ecog=0, prior_lines=0,
              clinical_question="KIT L576P on the primary: adjuvant options beyond anti-PD-1?"),
         [dict(kind=V, gene="KIT", hgvs_c="c.1727T>C", hgvs_p="p.Leu576Pro", vaf=27.5)],
         "KIT exon 11 L576P in acral melanoma. Adjuvant nivolumab; imatinib kept for relapse.",
         [dict(kind="standard_of_care", rationale="Adjuvant nivolumab (CheckMate 238)."),
          dict(kind="targeted_therapy", drug="Imatinib", biomarker=0, escat_tier="II-B", access_route="off_label",
               rationale="At relapse: KIT exon 11 mutations respond.")]),
        (dict(patient_name="Claire Fontaine", patient_record_number="IPP0073582", patient_sex=Sex.FEMALE,
              patient_birth_date=date(1957, 10, 9), diagnosis="Uveal melanoma, liver metastases",
              icd10_code="C69.3", icdo3_morphology="8720/3", stage="IV", ecog=1, prior_lines=0,
              clinical_question="GNAQ Q209P; HLA typing pending: tebentafusp?"),
         [dict(kind=V, gene="GNAQ", hgvs_c="c.626A>C", hgvs_p="p.Gln209Pro", vaf=44.0)],
         None, "HLA-A*02:01 typing not back yet: to be discussed with the result."),
    ],
    "paediatric": [
        (dict(patient_name="Emma Girard", patient_record_number="IPP0064120", patient_sex=Sex.FEMALE,
              patient_birth_date=date(2012, 3, 14), diagnosis="Infantile fibrosarcoma, relapsed", icd10_code="C49.9",
              icdo3_morphology="8814/3", stage="", ecog=1, prior_lines=1,
              prior_treatments="Vincristine-actinomycin, surgery; local relapse at 8 months.",
              clinical_question="ETV6::NTRK3 fusion: larotrectinib before a second surgery?"),
         [dict(kind=BiomarkerKind.FUSION, gene="ETV6", gene_3p="NTRK3")],
         "ETV6::NTRK3 fusion: larotrectinib before surgery, response assessed at 8 weeks.",
         [dict(kind="targeted_therapy", drug="Larotrectinib", biomarker=0, escat_tier="I-C", access_route="approved",
               rationale="Tumour-agnostic approval; high response rate in infantile fibrosarcoma.")]),
        (dict(patient_name="Noah Petit", patient_record_number="IPP0064377", patient_sex=Sex.MALE,
              patient_birth_date=date(2015, 8, 2), diagnosis="Diffuse midline glioma, H3 K27M-altered",
              icd10_code="C71.7", icdo3_morphology="9385/3", stage="", ecog=2, prior_lines=1,
              prior_treatments="Focal radiotherapy 54 Gy, progression at 5 months.",
              clinical_question="H3 K27M with ACVR1 G328V: ONC201 trial or compassionate use?"),
         [dict(kind=V, gene="H3-3A", hgvs_c="c.83A>T", hgvs_p="p.Lys28Met", vaf=38.0),
          dict(kind=V, gene="ACVR1", hgvs_c="c.983G>T", hgvs_p="p.Gly328Val", vaf=31.0)],
         None, None),
    ],
}

#: Members present at every demo meeting, and the extra specialist per board.
PRESENT = ("chair@example.org", "member@example.org", "geneticist@example.org", "biologist@example.org")
EXTRA = {"paediatric": "paediatrician@example.org", "dermatology": "dermatologist@example.org"}


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _past_occurrence(board: Board, days_ago: int = 8) -> datetime:
    """The board's cadence occurrence at least ``days_ago`` days back, as naive UTC."""
    zone = ZoneInfo(board.timezone)
    rule = rrulestr(board.cadence_rrule, dtstart=datetime.combine(board.cadence_anchor, datetime.min.time()))
    local_now = datetime.now(zone).replace(tzinfo=None)
    when = rule.before(local_now - timedelta(days=days_ago)) or (local_now - timedelta(days=10)).replace(
        hour=14, minute=0, second=0, microsecond=0)
    return when.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)


def _on_agenda_at(submitted: datetime) -> datetime:
    """When the secretary put a demo case on its meeting's agenda: the day after it was
    submitted, days before the cut-off (the longest, paediatric, is 72 h) and the agenda's
    publication (two days ahead). Left to its default, the item was stamped at seeding,
    after the past meetings began: every turnaround from the agenda was negative."""
    return submitted + timedelta(days=1)


def _case(board: Board, submitter: User, fields: dict, biomarkers: list[dict], submitted: datetime) -> Case:
    case = Case(reference=next_reference(board, submitted.year), board=board, submitter=submitter, **fields)
    db.session.add(case)
    # The findings come from the lab's reports: the NGS panel, and PD-L1 by IHC.
    lab = "Molecular pathology, university hospital"
    reports = {
        "ngs": MolecularReport(position=0, assay="Oncomine Comprehensive v3", lab=lab, genome_build=GenomeBuild.GRCH38,
                               specimen_type=SpecimenType.FFPE_TISSUE, tumour_content=50),
        "ihc": MolecularReport(position=1, assay="IHC 22C3", lab=lab, specimen_type=SpecimenType.FFPE_TISSUE),
    }
    kinds = {spec["kind"] for spec in biomarkers}
    case.reports = [reports["ngs"]] + ([reports["ihc"]] if BiomarkerKind.PDL1 in kinds else [])
    for position, spec in enumerate(biomarkers):
        report = reports["ihc"] if spec["kind"] is BiomarkerKind.PDL1 else reports["ngs"]
        case.biomarkers.append(Biomarker(position=position, report=report, **spec))
    change_status(case, CaseStatus.DRAFT, submitter)
    change_status(case, CaseStatus.SUBMITTED, submitter)
    case.submitted_at = submitted
    db.session.flush()
    return case


def seed() -> None:
    clinician = _user("clinician@example.org")
    secretary = _user("secretary@example.org")
    chair = _user("chair@example.org")
    boards = {b.slug: b for b in db.session.scalars(sa.select(Board))}
    for slug, cases in DEMO.items():
        board = boards.get(slug)
        if board is None:
            continue
        starts_at = _past_occurrence(board)
        meeting = Meeting(
            board_id=board.id, starts_at=starts_at, occurrence_at=starts_at, duration_minutes=board.meeting_length_minutes,
            location=board.location, video_link=board.video_link, status=MeetingStatus.PUBLISHED,
            cutoff_hours=board.cutoff_hours, agenda_published_at=starts_at - timedelta(days=2),
            agenda_publications=1,
        )
        db.session.add(meeting)
        db.session.flush()
        if hasattr(meeting, "published_version"):
            meeting.published_version = meeting.agenda_version
        created = []
        for position, (fields, biomarkers, _summary, _recs) in enumerate(cases, start=1):  # agenda positions count from 1
            submitted = starts_at - timedelta(days=6)
            case = _case(board, clinician, fields, biomarkers, submitted)
            change_status(case, CaseStatus.SCHEDULED, secretary)
            db.session.add(AgendaItem(meeting_id=meeting.id, case_id=case.id, position=position,
                                      minutes=board.minutes_per_case, added_at=_on_agenda_at(submitted)))
            created.append(case)
        db.session.flush()
        db.session.refresh(meeting)

        start_meeting(meeting, secretary)
        present = {}
        for email in (*PRESENT, EXTRA.get(slug)):
            if email:
                user = _user(email)
                present[user.id] = user.specialty.value if user.specialty else None
        attendance.record_attendance(meeting, secretary, present)
        if slug == "thoracic":
            attendance.add_guest(meeting, secretary, "Camille Rousseau", "Clinical research nurse")
        for item, case, (_fields, _biomarkers, summary, recs) in zip(meeting.items, created, cases):
            if slug == "thoracic" and item.position == 1:
                attendance.declare_conflict(item, secretary, _user("geneticist@example.org").id,
                                            "Co-investigator of the proposed trial")
            raw = []
            for rec in recs:
                rec = dict(rec)
                if "biomarker" in rec:
                    rec["biomarker_id"] = str(case.biomarkers[rec.pop("biomarker")].id)
                raw.append(rec)
            decision = services.save_draft(item, secretary, summary, raw)
            services.validate(decision, chair, publish=False)
        close_meeting(meeting, secretary)

        # The demo meeting happened in the past: put its clock there before the minutes are signed.
        meeting.started_at = starts_at + timedelta(minutes=3)
        meeting.closed_at = starts_at + timedelta(minutes=52)
        for decision in queries.latest_by_item(meeting).values():
            decision.created_at = decision.updated_at = starts_at + timedelta(minutes=15 + 10 * decision.agenda_item.position)
            decision.validated_at = decision.created_at + timedelta(minutes=2)
    db.session.flush()
    seed_meeting_day()


def _raw(case: Case, recs: list[dict]) -> list[dict]:
    """Demo recommendations as the decision form posts them (biomarkers by index -> id)."""
    raw = []
    for rec in recs:
        rec = dict(rec)
        if "biomarker" in rec:
            rec["biomarker_id"] = str(case.biomarkers[rec.pop("biomarker")].id)
        raw.append(rec)
    return raw


def _today_meeting(board: Board, starts_at: datetime, clinician: User, secretary: User, present: list[str]):
    meeting = Meeting(board_id=board.id, starts_at=starts_at, duration_minutes=board.meeting_length_minutes,
                      location=board.location, video_link=board.video_link, status=MeetingStatus.PUBLISHED,
                      cutoff_hours=board.cutoff_hours, agenda_published_at=starts_at - timedelta(days=2),
                      agenda_publications=1)
    db.session.add(meeting)
    db.session.flush()
    meeting.published_version = meeting.agenda_version
    cases = []
    for position, (fields, biomarkers, _summary, _recs) in enumerate(TODAY[board.slug], start=1):
        submitted = starts_at - timedelta(days=5)
        case = _case(board, clinician, fields, biomarkers, submitted)
        change_status(case, CaseStatus.SCHEDULED, secretary)
        db.session.add(AgendaItem(meeting_id=meeting.id, case_id=case.id, position=position,
                                  minutes=board.minutes_per_case, added_at=_on_agenda_at(submitted)))
        cases.append(case)
    db.session.flush()
    db.session.refresh(meeting)
    start_meeting(meeting, secretary)
    meeting.started_at = starts_at + timedelta(minutes=2)
    attendance.record_attendance(meeting, secretary, {
        user.id: user.specialty.value if user.specialty else None for user in map(_user, present)})
    return meeting, cases


def seed_meeting_day(now: datetime | None = None) -> None:
    """The views of the meeting day, in the demo: drafts waiting for the chair, a meeting in
    session, and a member's own conflict of interest on the next thoracic agenda."""
    now = (now or datetime.now(timezone.utc).replace(tzinfo=None)).replace(second=0, microsecond=0)
    clinician, secretary = _user("clinician@example.org"), _user("secretary@example.org")
    boards = {b.slug: b for b in db.session.scalars(sa.select(Board))}

    dermatology = boards.get("dermatology")
    if dermatology is not None:
        meeting, cases = _today_meeting(dermatology, _past_occurrence(dermatology, days_ago=1), clinician, secretary,
                                        [*PRESENT, "dermatologist@example.org"])
        for item, case, (_fields, _biomarkers, summary, recs) in zip(meeting.items, cases, TODAY["dermatology"]):
            if summary is None:
                services.defer_item(item, secretary, recs)  # here: the reason for deferring
            else:
                services.save_draft(item, secretary, summary, _raw(case, recs))
        close_meeting(meeting, secretary)
        meeting.closed_at = meeting.starts_at + timedelta(minutes=40)

    paediatric = boards.get("paediatric")
    if paediatric is not None:
        starts_at = (now - timedelta(minutes=40)).replace(minute=(now.minute // 5) * 5)
        meeting, cases = _today_meeting(paediatric, starts_at, clinician, secretary,
                                        [*PRESENT, "paediatrician@example.org"])
        first, second = meeting.items
        _fields, _biomarkers, summary, recs = TODAY["paediatric"][0]
        services.save_draft(first, secretary, summary, _raw(cases[0], recs))
        meeting.current_item_id = second.id  # the board is discussing the second case

    thoracic = boards.get("thoracic")
    upcoming = thoracic and db.session.scalar(
        sa.select(Meeting).where(Meeting.board_id == thoracic.id, Meeting.status == MeetingStatus.PUBLISHED,
                                 Meeting.starts_at > now).order_by(Meeting.starts_at).limit(1))
    if upcoming is not None and len(upcoming.items) > 1:
        attendance.declare_own_conflict(upcoming.items[1], _user("member@example.org"),
                                        "Pathologist of the referring centre's trial")
    db.session.flush()
