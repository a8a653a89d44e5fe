"""An imported row says which file and line it comes from only while it still says what
that record says: an edit of a value read from the file drops the "Imported from" line;
saving the form unchanged, or changing the board's reading (the tier), keeps it."""

from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from mtb.cases.models import Biomarker
from mtb.extensions import db


class _CaseForm(HTMLParser):
    """The fields of the page's case form (id="case-form") as a browser posts them, unchanged."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.inside = self.in_template = False
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == "case-form"
        if tag == "template":
            self.in_template = True
        if not self.inside or self.in_template or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("file", "submit", "button", "reset", "image"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
            else:
                self._add(name, a.get("value", ""))
        elif tag == "select" and name:
            self.select, self.options = name, []
        elif tag == "option" and self.select:
            self.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self.textarea = name
            self._add(name, "")

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "template":
            self.in_template = False
        elif tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            chosen = [v for v, selected in self.options if selected] or [v for v, _s in self.options[:1]]
            for value in chosen:
                self._add(self.select, value)
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def edit_form_as_shown(client, case) -> dict[str, list[str]]:
    page = client.get(f"/cases/{case.id}/edit")
    assert page.status_code == 200
    form = _CaseForm()
    form.feed(page.get_data(as_text=True))
    assert form.data.get("version"), "the edit form was not found"
    return form.data


def imported_braf(client, login, case_with):
    """A draft case with the BRAF row (line 23) imported from the VEP file, and its edit form."""
    case, attachment, clinician = case_with("vep_tumour_normal.vcf")
    login(clinician)
    response = client.post(f"/cases/{case.id}/attachments/{attachment.id}/variants",
                           data={"row": ["23"], "version": case.version, "filtered": "1"})
    assert response.status_code == 302
    db.session.refresh(case)
    return case, edit_form_as_shown(client, case)


def braf_row(case) -> Biomarker:
    db.session.expire_all()
    return db.session.scalars(sa.select(Biomarker).where(Biomarker.case_id == case.id, Biomarker.gene == "BRAF")).one()


def save(client, case, form: dict[str, list[str]]):
    form["action"] = ["draft"]
    response = client.post(f"/cases/{case.id}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


def test_saving_the_case_form_unchanged_keeps_where_the_row_was_imported_from(client, login, case_with):
    case, form = imported_braf(client, login, case_with)
    before = braf_row(case)
    source = (before.source_file, before.source_sha256, before.source_line)
    save(client, case, form)
    after = braf_row(case)
    assert after.id == before.id
    assert (after.source_file, after.source_sha256, after.source_line) == source
    assert source[0] == "vep_tumour_normal.vcf" and source[2] == 23
    assert "Imported from vep_tumour_normal.vcf, line 23" in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_changing_the_tier_of_an_imported_row_keeps_where_it_was_imported_from(client, login, case_with):
    case, form = imported_braf(client, login, case_with)
    form["biomarkers-0-classification"] = ["tier_1"]
    save(client, case, form)
    row = braf_row(case)
    assert row.classification is not None and row.source_line == 23


@pytest.mark.parametrize(("field", "value"), [
    ("vaf", "12"), ("hgvs_p", "p.Val600Lys"), ("gene", "KRAS"), ("exon", "exon 11"), ("transcript", ""),
])
def test_editing_a_value_read_from_the_file_drops_where_the_row_was_imported_from(
        client, login, case_with, field, value):
    case, form = imported_braf(client, login, case_with)
    assert form["biomarkers-0-gene"] == ["BRAF"]
    form[f"biomarkers-0-{field}"] = [value]
    save(client, case, form)
    db.session.expire_all()
    row = db.session.scalars(sa.select(Biomarker).where(Biomarker.case_id == case.id)).one()
    assert (row.source_file, row.source_sha256, row.source_line) == (None, None, None)
    assert "Imported from" not in client.get(f"/cases/{case.id}").get_data(as_text=True)
