"""Signed minutes and decision letters: content, storage, versions, downloads, the URL fetcher.

PDF renders are slow (~0.5 s): only the first three tests render, and each checks a lot.
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from pypdf import PdfReader

from mtb.audit.models import AuditEvent
from mtb.cases.models import CaseStatus
from mtb.decisions import services as decisions
from mtb.decisions.attendance import add_guest, declare_conflict, record_attendance
from mtb.decisions.models import DecisionStatus
from mtb.decisions.panels import case_panel, home_panel
from mtb.decisions.queries import latest_by_item, latest_decision
from mtb.decisions.session import close_meeting
from mtb.extensions import db
from mtb.formatting import local_datetime
from mtb.meetings.models import MeetingStatus
from mtb.minutes import pdf, pdf_engine, pdf_process, services
from mtb.minutes.context import letter_context, minutes_context
from mtb.minutes.models import DecisionLetter, MinutesVersion
from mtb.minutes.queries import minutes_versions
from mtb.minutes.rendering import minutes_html, render_letter, render_minutes
from mtb.notifications.models import OutboxMessage
from tests.decisions.helpers import form_post, targeted

INJECTED = 'See <img src="file:///etc/passwd"> and http://127.0.0.1:9/leak.png'


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def _closed_meeting(team, started_meeting, create_case):
    """Two decided cases (one with a targeted therapy and a trial), everyone present, closed."""
    first_case = create_case(status="scheduled", biomarkers=[
        {"kind": "variant", "gene": "EGFR", "hgvs_c": "c.2573T>G", "hgvs_p": "p.Leu858Arg", "vaf": 32},
        {"kind": "cnv", "gene": "MET", "cnv_type": "amplification", "copy_number": 9},
    ])
    second_case = create_case(status="scheduled", patient_name="Paul Durand", biomarkers=[
        {"kind": "variant", "gene": "KRAS", "hgvs_c": "c.34G>T", "hgvs_p": "p.Gly12Cys", "vaf": 21},
    ])
    meeting = started_meeting(cases=[first_case, second_case], status=MeetingStatus.IN_SESSION)
    meeting.started_at = (meeting.starts_at - timedelta(days=4)).replace(hour=7, minute=15)
    first, second = meeting.items
    record_attendance(meeting, team["secretary"],
                                {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    add_guest(meeting, team["secretary"], "Camille Rousseau", "Research nurse")
    declare_conflict(second, team["secretary"], team["biologist"].id, "Trial investigator")
    decisions.save_draft(first, team["secretary"], "MET amplification on osimertinib. " + INJECTED, [
        targeted(first_case, 1, drug="Osimertinib + savolitinib", escat_tier="II-B", oncokb_level="",
                 access_route="early_access"),
        {"kind": "clinical_trial", "trial_id": "NCT05261399", "trial_site": "Centre Léon Bérard"},
    ])
    decisions.save_draft(second, team["secretary"], "KRAS G12C second line.", [
        targeted(second_case, 0, drug="Sotorasib", escat_tier="I-B"),
        {"kind": "germline_counselling"},
    ])
    close_meeting(meeting, team["secretary"])
    db.session.commit()
    return meeting


def test_chair_signs_minutes_with_every_decision_tier_and_biomarker_and_publishes(
        client, login, team, started_meeting, create_case, monkeypatch):
    meeting = _closed_meeting(team, started_meeting, create_case)
    renders = []
    real = pdf_process.render

    def spy(html, **where):
        renders.append(real(html, **where))
        return renders[-1]

    monkeypatch.setattr(pdf_process, "render", spy)

    login(team["secretary"])
    refused = client.post(f"/meetings/{meeting.id}/minutes/sign")
    assert refused.status_code == 403 and "Only a chair" in refused.get_data(as_text=True)
    client.post("/logout")
    login(team["chair"])
    assert client.post(f"/meetings/{meeting.id}/minutes/sign").status_code == 302
    # A second click on "Sign": back to the minutes with a notice, not an "Access denied" page.
    again = client.post(f"/meetings/{meeting.id}/minutes/sign")
    assert again.status_code == 302 and again.location.endswith(f"/meetings/{meeting.id}/minutes")
    notice = client.get(again.location).get_data(as_text=True)
    assert "flash-info" in notice and "already signed" in notice

    assert meeting.status is MeetingStatus.SIGNED
    version = db.session.scalar(sa.select(MinutesVersion))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MinutesVersion)) == 1
    assert version.number == 1 and version.signed_by_id == team["chair"].id
    assert hashlib.sha256(version.pdf).hexdigest() == version.pdf_sha256
    text = _text(version.pdf)
    for expected in ("Thoracic oncology", "EGFR c.2573T>G p.Leu858Arg", "MET amplification", "KRAS c.34G>T p.Gly12Cys",
                     "Osimertinib + savolitinib", "II-B", "NCT05261399", "Sotorasib", "I-B",
                     "Germline genetic counselling", "Pr Henri Laurent", "Camille Rousseau", "Quorum met",
                     "Recused", "Page 1 of", version.content_sha256[:20]):
        assert expected in text, expected
    # The running header keeps its spaces around "·" (a CSS escape swallows the space after it).
    assert "Thoracic oncology · Molecular tumour board" in text
    # The session was opened days before the meeting date: the minutes give full dates, not bare times.
    tz = meeting.board.timezone
    for moment in (meeting.started_at, meeting.closed_at):
        assert local_datetime(moment, tz, "d MMM yyyy, HH:mm") in text
    # Identity stays out of the minutes unless the board asks for it.
    assert "Jeanne Martin" not in text and "IPP0012345" not in text
    # Text typed into a form is printed, never fetched: only MTB's stylesheet was requested.
    assert "file:///etc/passwd" in text
    requested = [url for rendered in renders for url in rendered["requested"]]
    assert requested and all(url.startswith(pdf.STATIC_PREFIX) for url in requested)

    # Every decision is validated and published; one letter each; submitters notified.
    for item in meeting.items:
        decision = latest_decision(item)
        assert decision.status is DecisionStatus.VALIDATED and decision.published_at is not None
        assert item.case.status is CaseStatus.DECIDED
    letters = db.session.scalars(sa.select(DecisionLetter)).all()
    assert len(letters) == 2
    letter_text = _text(letters[0].pdf)
    assert "Jeanne Martin" in letter_text and "Dr Claire Dubois" in letter_text and "II-B" in letter_text
    mails = db.session.scalars(sa.select(OutboxMessage)).all()
    assert len(mails) == 2 and all("Jeanne Martin" not in m.body for m in mails)

    # The member downloads the stored file; the hash is shown where it is downloaded.
    client.post("/logout")
    login(team["member"])
    listing = client.get("/decisions").get_data(as_text=True)
    assert version.pdf_sha256 in listing
    download = client.get(f"/minutes/{version.id}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == version.pdf
    downloaded = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "minutes.download"))
    assert downloaded.details["cases"] == [item.case.reference for item in meeting.items]  # who saw which patient


def test_a_stored_version_renders_to_the_same_bytes_and_its_fingerprint_matches_the_data(
        team, started_meeting, create_case):
    meeting = _closed_meeting(team, started_meeting, create_case)
    version = services.sign(meeting, team["chair"], notify=False)
    db.session.commit()
    # The unsigned rendering is reproducible; the stored file is it plus the signature
    # (an incremental update: tests/minutes/test_signatures.py checks the signature).
    unsigned = render_minutes(version)
    assert render_minutes(version) == unsigned and version.pdf.startswith(unsigned)
    with force_locale("en"):
        rebuilt = minutes_context(meeting, team["chair"], version.signed_at)
    assert pdf.sha256_hex(pdf.canonical_json(rebuilt)) == version.content_sha256
    assert json.loads(version.content_json)["items"][0]["decision"]["recommendations"][0]["escat_tier"] == "II-B"
    letter = db.session.scalars(sa.select(DecisionLetter)).first()
    unsigned = render_letter(letter)
    assert render_letter(letter) == unsigned and letter.pdf.startswith(unsigned)


def test_a_correction_after_signing_makes_new_minutes_and_letter_and_keeps_the_old_ones(
        client, login, team, started_meeting, create_case):
    meeting = _closed_meeting(team, started_meeting, create_case)
    services.sign(meeting, team["chair"], notify=False)
    db.session.commit()
    first_item = meeting.items[0]
    original = latest_decision(first_item)
    old_letter = original.letter
    login(team["chair"])
    response = client.post(f"/decisions/{original.id}/correct", data=form_post(
        "MET amplification confirmed by FISH.", [targeted(first_item.case, 1, drug="Capmatinib", escat_tier="III-A")],
        correction_reason="Drug changed after FISH result"))
    assert response.status_code == 302
    correction = latest_decision(first_item)
    assert client.post(f"/decisions/{correction.id}/validate").status_code == 302

    versions = minutes_versions(meeting)
    assert [v.number for v in versions] == [2, 1]
    assert versions[0].is_current and not versions[1].is_current
    text = _text(versions[0].pdf)
    assert "Capmatinib" in text and "III-A" in text and "Drug changed after FISH result" in text
    assert original.status is DecisionStatus.SUPERSEDED and not old_letter.is_current
    assert correction.letter is not None and correction.letter.id != old_letter.id
    assert db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.subject.contains("Corrected"))) is not None

    client.post("/logout")
    login(team["member"])
    page = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert "superseded" in page and versions[1].pdf_sha256 in page
    assert client.get(f"/minutes/{versions[1].id}.pdf").data == versions[1].pdf
    assert client.get(f"/letters/{old_letter.id}.pdf").status_code == 200


def test_a_correction_reprints_the_other_cases_as_signed_not_as_edited_since(
        team, started_meeting, create_case, clinician, monkeypatch):
    """Case B, sent back to be discussed again, goes back to its submitter, who edits it;
    then case A's decision is corrected. The new minutes change A's decision only: B reads as
    the board discussed it, with the signed attendance."""
    from mtb.decisions.queries import current_validated
    from mtb.minutes import rendering

    monkeypatch.setattr(rendering, "html_to_pdf", lambda html, signature=None: b"%PDF-1.7 stand-in")
    a = create_case(status="scheduled")
    b = create_case(status="scheduled", diagnosis="Lung adenocarcinoma")
    meeting = started_meeting(cases=[a, b], status=MeetingStatus.IN_SESSION)
    item_a, item_b = meeting.items
    record_attendance(meeting, team["secretary"], {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    decisions.save_draft(item_a, team["secretary"], "EGFR.", [targeted(a, 0)])
    decisions.save_draft(item_b, team["secretary"], "A rebiopsy first.", [{"kind": "rediscuss"}])
    close_meeting(meeting, team["secretary"])
    services.sign(meeting, team["chair"], notify=False)
    db.session.commit()
    assert b.can_edit(clinician)
    b.diagnosis = "Small-cell lung cancer (transformed)"
    db.session.commit()
    corrected = decisions.correct(current_validated(item_a.id), team["secretary"], "EGFR, corrected.",
                                  [targeted(a, 0, drug="Afatinib")], "Wrong drug")
    decisions.validate(corrected, team["chair"])
    db.session.commit()
    old, new = (json.loads(v.content_json) for v in reversed(minutes_versions(meeting)))
    assert new["items"][1] == old["items"][1] and new["items"][1]["diagnosis"] == "Lung adenocarcinoma"
    assert new["attendance"] == old["attendance"] and new["quorum"] == old["quorum"]
    assert new["items"][0]["decision"]["correction_reason"] == "Wrong drug"
    assert "Afatinib" in json.dumps(new["items"][0]["decision"]) and "Afatinib" not in json.dumps(old["items"][0])
    assert {k: v for k, v in new["items"][0].items() if k != "decision"} == {
        k: v for k, v in old["items"][0].items() if k != "decision"}


def test_a_letter_prints_the_quorum_and_attendance_its_decision_was_validated_with(team, started_meeting):
    """The biologist arrives for the second case: the first case's letter says who was there
    when it was decided; a member who counted for a validated decision cannot be unticked."""
    from mtb.errors import InvalidInput

    meeting = started_meeting(status=MeetingStatus.IN_SESSION, n_cases=2)
    first, second = meeting.items
    record_attendance(meeting, team["secretary"], {team["chair"].id: None, team["member"].id: None})
    without = decisions.save_draft(first, team["secretary"], "Decided without a biologist.", [targeted(first.case)])
    decisions.validate(without, team["chair"])
    everyone = {u.id: None for u in (team["chair"], team["member"], team["biologist"])}
    record_attendance(meeting, team["secretary"], everyone)  # arriving later is fine
    quorate = decisions.save_draft(second, team["secretary"], "Decided with her.", [targeted(second.case)])
    decisions.validate(quorate, team["chair"])
    assert not without.quorum_met and quorate.quorum_met
    close_meeting(meeting, team["secretary"])
    # Put right after closing, the biologist "had left": the second letter would say quorate with her missing.
    for changed in ({team["chair"].id: None, team["member"].id: None}, {**everyone, team["biologist"].id: "pathology"}):
        with pytest.raises(InvalidInput, match="Dr Léa Garnier counted for the quorum of the decision validated on "
                                               + second.case.reference):
            record_attendance(meeting, team["secretary"], changed)
    services.sign(meeting, team["chair"], notify=False)
    db.session.commit()

    def quorum_line(decision):
        text = " ".join(_text(decision.letter.pdf).split())
        return text[text.index("Members present"):text.index("Recused members do not count")]

    assert "The board was NOT quorate for this case:" in quorum_line(without)
    assert "Molecular biologist or Geneticist — missing" in quorum_line(without)
    assert "Garnier" not in quorum_line(without)  # she was not there yet
    assert "The board was quorate for this case:" in quorum_line(quorate) and "missing" not in quorum_line(quorate)
    assert "Molecular biologist or Geneticist — Dr Léa Garnier" in quorum_line(quorate)


def test_a_corrected_letter_prints_the_case_as_the_board_discussed_it(team, started_meeting, create_case):
    case = create_case(status="scheduled", diagnosis="Lung adenocarcinoma")
    meeting = started_meeting(cases=[case], status=MeetingStatus.IN_SESSION)
    v1 = decisions.save_draft(meeting.items[0], team["secretary"], "Wait for the biopsy.", [{"kind": "rediscuss"}])
    close_meeting(meeting, team["secretary"])
    services.sign(meeting, team["chair"], notify=False)
    db.session.commit()
    # Back in the pool, the clinician updates the case for the next meeting.
    case.diagnosis = "Small-cell transformation after biopsy"
    case.clinical_question = "Which line after the transformation?"
    db.session.commit()
    v2 = decisions.correct(v1, team["chair"], "Wait for the new biopsy.", [{"kind": "rediscuss"}], "Typo")
    decisions.validate(v2, team["chair"])  # publishes: new letter and new minutes version
    db.session.commit()
    minutes_v2 = minutes_versions(meeting)[0]
    for pdf_bytes in (minutes_v2.pdf, v2.letter.pdf):
        text = " ".join(_text(pdf_bytes).split())
        assert "Lung adenocarcinoma" in text and "Wait for the new biopsy." in text
        assert "Small-cell transformation" not in text and "Which line after" not in text
    assert v2.letter.pdf.startswith(render_letter(v2.letter))  # rendered again from stored data, same bytes


def test_fetcher_serves_only_static_files(app):
    fetcher = pdf_engine.StaticOnlyFetcher(app.static_folder, pdf.STATIC_PREFIX)
    response = fetcher.fetch(pdf.STATIC_PREFIX + "css/pdf.css")
    assert b"@page" in response.read()
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.png", "https://example.org/static/css/pdf.css",
                "data:text/plain,hello", pdf.PDF_BASE_URL + "etc/passwd"):
        with pytest.raises(pdf_engine.RefusedURL):
            fetcher.fetch(url)
    with pytest.raises(pdf_engine.RefusedURL):
        fetcher.fetch(pdf.STATIC_PREFIX + "..%2F..%2F..%2Fetc%2Fpasswd")
    with pytest.raises(FileNotFoundError):
        fetcher.fetch(pdf.STATIC_PREFIX + "css/missing.css")


def test_minutes_show_patient_identity_only_when_the_board_says_so(team, started_meeting, create_case, boards):
    meeting = _closed_meeting(team, started_meeting, create_case)
    for decision in latest_by_item(meeting).values():
        decisions.validate(decision, team["chair"])
    with force_locale("en"):
        hidden = minutes_context(meeting, team["chair"], meeting.closed_at)
        boards["thoracic"].identity_in_minutes = True
        shown = minutes_context(meeting, team["chair"], meeting.closed_at)
    assert "Jeanne Martin" not in json.dumps(hidden)
    version = MinutesVersion(number=1, created_at=meeting.closed_at, content_sha256="0" * 64, reason="")
    html = minutes_html(shown, version, "Europe/Paris")
    assert "Jeanne Martin" in html and "IPP0012345" in html
    # Free text is escaped by Jinja: no <img> element reaches WeasyPrint.
    assert '<img src="file:///etc/passwd">' not in html and "&lt;img src=" in html


def test_signing_is_refused_before_the_meeting_is_closed(client, login, team, started_meeting):
    meeting = started_meeting(status=MeetingStatus.IN_SESSION)
    login(team["chair"])
    response = client.post(f"/meetings/{meeting.id}/minutes/sign")
    assert response.status_code == 403 and "Close the meeting" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(MinutesVersion)) is None


def _published(meeting, chair, make_letter=True):
    """A signed meeting without rendering (list and access tests): fake stored files."""
    for item in meeting.items:
        decision = latest_decision(item)
        decisions.validate(decision, chair, publish=False)
        decision.published_at = decision.validated_at
        if make_letter:
            db.session.add(DecisionLetter(decision_id=decision.id, case_id=decision.case_id, board_id=decision.board_id,
                                          content_sha256="c" * 64, pdf=b"%PDF-letter", pdf_sha256="d" * 64, pdf_size=11))
    meeting.status = MeetingStatus.SIGNED
    db.session.add(MinutesVersion(meeting_id=meeting.id, board_id=meeting.board_id, number=1, reason="Signed",
                                  content_json="{}", content_sha256="a" * 64, pdf=b"%PDF-minutes",
                                  pdf_sha256="b" * 64, pdf_size=12, signed_by_id=chair.id,
                                  signed_at=meeting.starts_at, created_at=meeting.starts_at))
    db.session.commit()


def _decided_meeting(team, started_meeting, board="thoracic"):
    meeting = started_meeting(board=board, status=MeetingStatus.IN_SESSION)
    for item in meeting.items:
        decisions.save_draft(item, team["secretary"], "Summary", [targeted(item.case)])
    meeting.status = MeetingStatus.CLOSED
    db.session.commit()
    return meeting


def test_decisions_page_lists_only_my_boards_minutes_in_constant_queries(
        client, login, team, started_meeting, make_user, query_counter):
    _published(_decided_meeting(team, started_meeting), team["chair"])
    login(team["member"])
    with query_counter() as one:
        assert client.get("/decisions").status_code == 200
    for _ in range(2):  # a full page (three meetings)
        _published(_decided_meeting(team, started_meeting), team["chair"])
    with query_counter() as three:
        html = client.get("/decisions").get_data(as_text=True)
    assert html.count("b" * 64) == 3
    assert len(three) == len(one)

    outsider = make_user("derm@example.org", {"dermatology": ["member"]})
    client.post("/logout")
    login(outsider)
    assert "b" * 64 not in client.get("/decisions").get_data(as_text=True)
    assert client.get("/decisions?board=thoracic").status_code == 403
    # Another board's minutes answer like unknown ones (a 403 would confirm they exist), as decisions do.
    version = db.session.scalars(sa.select(MinutesVersion)).first()
    letter = db.session.scalars(sa.select(DecisionLetter)).first()
    for url in (f"/minutes/{version.id}.pdf", f"/meetings/{version.meeting_id}/minutes",
                f"/letters/{letter.id}.pdf", f"/decisions/{letter.decision_id}"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/meetings/{version.meeting_id}/minutes/sign").status_code == 404


def test_submitter_reads_published_decision_letter_and_home_section(client, login, team, started_meeting, clinician):
    meeting = _decided_meeting(team, started_meeting)
    _published(meeting, team["chair"])
    letter = db.session.scalars(sa.select(DecisionLetter)).first()
    login(clinician)
    response = client.get(f"/letters/{letter.id}.pdf")
    assert response.status_code == 200 and response.data == b"%PDF-letter"
    assert response.headers["ETag"] == f'"{"d" * 64}"'
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "letter.download")) is not None
    section = home_panel(clinician)
    assert section.template == "decisions/_home.html" and len(section.context["decisions"]) == 2
    home = client.get("/").get_data(as_text=True)
    assert meeting.items[0].case.reference in home
    panel = case_panel(meeting.items[0].case, clinician)
    assert panel.context["decisions"][0].letter.id in {letter.id for letter in db.session.scalars(sa.select(DecisionLetter))}
    decision_page = client.get(f"/decisions/{panel.context['decisions'][0].id}").get_data(as_text=True)
    assert "Decision letter (PDF)" in decision_page


def test_another_boards_clinician_cannot_download_a_letter(client, login, team, started_meeting, make_user):
    _published(_decided_meeting(team, started_meeting), team["chair"])
    letter = db.session.scalars(sa.select(DecisionLetter)).first()
    stranger = make_user("other@example.org", {"dermatology": ["clinician"]})
    login(stranger)
    assert client.get(f"/letters/{letter.id}.pdf").status_code == 404
    assert client.get("/letters/999999.pdf").status_code == 404


def test_chair_home_lists_closed_meetings_waiting_for_signature(client, login, team, started_meeting):
    meeting = _decided_meeting(team, started_meeting)
    login(team["chair"])
    home = client.get("/").get_data(as_text=True)
    assert "Minutes waiting for your signature" in home and f"/meetings/{meeting.id}/minutes" in home
    page = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert "Sign the minutes as chair" in page and "Signing also validates the 2 remaining draft decisions" in page
    client.post("/logout")
    login(team["member"])
    assert "Minutes waiting for your signature" not in client.get("/").get_data(as_text=True)
    # Before signing, a member sees neither the decisions nor a sign button.
    page = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert "Sign the minutes" not in page and meeting.items[0].case.reference not in page


def test_letters_always_carry_identity_and_the_minutes_page_says_so(client, login, team, started_meeting, boards):
    meeting = _decided_meeting(team, started_meeting)
    _published(meeting, team["chair"])
    assert boards["thoracic"].identity_in_minutes is False
    decision = latest_decision(meeting.items[0])
    patient = letter_context(decision)["patient"]
    assert patient["name"] == decision.case.patient_name and patient["record_number"]
    login(team["member"])
    html = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True).replace("&#39;", "'")
    assert "These minutes show no patient identity" in html
    assert "Each letter shows the patient's identity whatever the minutes setting" in html
    boards["thoracic"].identity_in_minutes = True
    html = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True).replace("&#39;", "'")
    assert "These minutes show the patients' identity" in html
    assert "Each letter shows the patient's identity" in html


def test_a_case_sent_back_for_another_discussion_stays_as_discussed_until_the_minutes_are_signed(
        client, login, team, started_meeting):
    """A re-discussion or a deferral makes the case editable again, and the minutes, signed
    later, read the case then: they printed the clinician's later edits as what was discussed."""
    meeting = started_meeting(n_cases=1, status=MeetingStatus.IN_SESSION)
    case = meeting.items[0].case
    record_attendance(meeting, team["secretary"], {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    decisions.save_draft(meeting.items[0], team["secretary"], "Needs an RNA panel.", [{"kind": "rediscuss"}])
    close_meeting(meeting, team["secretary"])
    db.session.commit()
    assert case.status is CaseStatus.DEFERRED and not case.can_edit(case.submitter)
    login(case.submitter)
    response = client.get(f"/cases/{case.id}/edit", follow_redirects=True)
    assert "stays as the board discussed it until the minutes of that meeting are signed" in response.get_data(as_text=True)
    discussed = case.diagnosis
    response = client.post(f"/cases/{case.id}/edit", data={"diagnosis": "Large-cell neuroendocrine carcinoma"})
    db.session.expire_all()
    assert case.diagnosis == discussed

    version = services.sign(meeting, team["chair"], notify=False)
    db.session.commit()
    assert json.loads(version.content_json)["items"][0]["diagnosis"] == discussed
    assert case.can_edit(case.submitter)  # ready for its next discussion


def test_minutes_signed_by_a_chair_reading_french_say_nothing_of_replacing_a_version(client, login, team, started_meeting):
    """The reason was stored in the chair's language, so an English document printed
    "This version replaces the previous one: Signé par le président" on version 1."""
    meeting = started_meeting(n_cases=1, status=MeetingStatus.IN_SESSION)
    record_attendance(meeting, team["secretary"], {u.id: None for u in (team["chair"], team["member"], team["biologist"])})
    decisions.save_draft(meeting.items[0], team["secretary"], "Summary", [targeted(meeting.items[0].case)])
    close_meeting(meeting, team["secretary"])
    team["chair"].locale = "fr"
    db.session.commit()
    login(team["chair"])
    assert client.post(f"/meetings/{meeting.id}/minutes/sign").status_code == 302
    version = db.session.scalar(sa.select(MinutesVersion))
    assert version.reason == "Signed by the chair"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(version.pdf)).pages)
    assert "replaces the previous one" not in text and "Signé" not in text
