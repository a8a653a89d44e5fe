"""A signed meeting for the tests of the signed PDF/A documents: one case with a lab report,
a targeted therapy and a clinical trial, a quorate board, signed by the chair."""

from __future__ import annotations

import io
from datetime import date

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from mtb.cases.models import MolecularReport
from mtb.decisions import services as decisions
from mtb.decisions.attendance import record_attendance
from mtb.decisions.session import close_meeting
from mtb.extensions import db
from mtb.meetings.models import MeetingStatus
from mtb.minutes import services, signing
from tests.decisions.helpers import targeted


def signed_meeting(team, started_meeting, create_case, **trial):
    """Returns (meeting, minutes version): the chair signed, letters stored. ``trial``: more
    fields of the clinical trial recommendation (trial_title, trial_phase)."""
    case = create_case(status="scheduled", biomarkers=[
        {"kind": "variant", "gene": "EGFR", "transcript": "NM_005228.5", "hgvs_c": "c.2573T>G",
         "hgvs_p": "p.Leu858Arg", "vaf": 32},
    ])
    report = MolecularReport(case=case, position=0, assay="TSO500", lab="CHU molecular genetics",
                             reported_on=date(2026, 11, 2))
    db.session.add(report)
    case.biomarkers[0].report = report
    meeting = started_meeting(cases=[case], status=MeetingStatus.IN_SESSION)
    record_attendance(meeting, team["secretary"], {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    decisions.save_draft(meeting.items[0], team["secretary"], "EGFR L858R.", [
        targeted(case, 0, drug="Osimertinib", escat_tier="I-A"),
        {"kind": "clinical_trial", "trial_id": "NCT05261399", "trial_site": "Centre Léon Bérard", **trial},
    ])
    close_meeting(meeting, team["secretary"])
    version = services.sign(meeting, team["chair"], notify=False)
    db.session.commit()
    return meeting, version


def demo_root(app):
    return load_cert_from_pemder(str(signing.demo_files(app.instance_path).ca))


def validate(data: bytes, trust_roots):
    """pyHanko's status of the document's one signature, trusting ``trust_roots`` only."""
    reader = PdfFileReader(io.BytesIO(data))
    [signature] = reader.embedded_signatures
    context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False)
    # As signing does: pyHanko's synchronous API fails where the browser tests' loop runs.
    return signature, signing.run_async(lambda: async_validate_pdf_signature(signature, context))
