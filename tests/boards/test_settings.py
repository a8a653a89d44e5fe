"""Board settings: secretaries edit the week, admins the board itself."""

from mtb.extensions import db


def _settings(board, **overrides):
    data = {
        "name": board.name, "cadence_rrule": board.cadence_rrule, "cadence_anchor": board.cadence_anchor.isoformat(),
        "meeting_length_minutes": board.meeting_length_minutes, "minutes_per_case": board.minutes_per_case,
        "cutoff_hours": board.cutoff_hours, "location": board.location or "", "video_link": board.video_link or "",
        "quorum_specialties": "\n".join(board.quorum_specialties),
    }
    data.update(overrides)
    return data


def test_default_boards_exist_with_their_settings(boards):
    assert set(boards) == {"thoracic", "paediatric", "dermatology"}
    assert "BYDAY=TU" in boards["thoracic"].cadence_rrule
    assert "INTERVAL=2" in boards["paediatric"].cadence_rrule
    assert "molecular_biology|genetics" in boards["thoracic"].quorum_specialties


def test_secretary_changes_cadence_and_cutoff(client, secretary, login, boards):
    login(secretary)
    board = boards["thoracic"]
    response = client.post("/boards/thoracic/settings", data=_settings(
        board, cadence_rrule="FREQ=WEEKLY;BYDAY=WE;BYHOUR=15;BYMINUTE=30", cutoff_hours=24))
    assert response.status_code == 302
    db.session.refresh(board)
    assert board.cadence_rrule == "FREQ=WEEKLY;BYDAY=WE;BYHOUR=15;BYMINUTE=30"
    assert board.cutoff_hours == 24


def test_bad_recurrence_rule_is_explained_and_kept(client, secretary, login, boards):
    login(secretary)
    response = client.post("/boards/thoracic/settings", data=_settings(boards["thoracic"], cadence_rrule="FREQ=WEEKLY;BYDAY=XX"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "not a valid recurrence rule" in body
    assert "FREQ=WEEKLY;BYDAY=XX" in body


def test_rule_without_time_of_day_is_refused(client, secretary, login, boards):
    login(secretary)
    body = client.post("/boards/thoracic/settings", data=_settings(boards["thoracic"], cadence_rrule="FREQ=WEEKLY;BYDAY=TU")).get_data(as_text=True)
    assert "BYHOUR" in body


def test_secretary_cannot_change_quorum_but_admin_can(client, secretary, admin, login, boards):
    board = boards["thoracic"]
    login(secretary)
    client.post("/boards/thoracic/settings", data=_settings(board, quorum_specialties="pathology"))
    db.session.refresh(board)
    assert board.quorum_specialties != ["pathology"]
    client.post("/logout")
    login(admin)
    client.post("/boards/thoracic/settings", data=_settings(board, quorum_specialties="pathology\nmedical_oncology|pulmonology"))
    db.session.refresh(board)
    assert board.quorum_specialties == ["pathology", "medical_oncology|pulmonology"]


def test_unknown_quorum_specialty_is_refused(client, admin, login, boards):
    login(admin)
    body = client.post("/boards/thoracic/settings", data=_settings(boards["thoracic"], quorum_specialties="astrology")).get_data(as_text=True)
    assert "Unknown specialty: astrology" in body


def test_member_and_other_board_secretary_cannot_edit(client, member, make_user, login):
    login(member)
    assert client.get("/boards/thoracic/settings").status_code == 403
    client.post("/logout")
    other = make_user("psec@example.org", {"paediatric": ["secretary"]})
    login(other)
    assert client.get("/boards/thoracic/settings").status_code == 403
    assert client.get("/boards/paediatric/settings").status_code == 200
    assert client.get("/boards/nowhere/settings").status_code == 404
