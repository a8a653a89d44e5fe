"""The main navigation offers what the person can use: "My cases" only to those who can
create cases (the board's clinicians)."""

from __future__ import annotations


def test_my_cases_is_offered_only_to_people_who_can_create_cases(client, login, clinician, secretary, member):
    login(clinician)
    assert ">My cases</a>" in client.get("/").get_data(as_text=True)
    for person in (secretary, member):
        client.post("/logout")
        login(person)
        assert ">My cases</a>" not in client.get("/").get_data(as_text=True), person.email
