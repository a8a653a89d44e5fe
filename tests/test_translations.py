"""The boards work in French and English: every message the code shows has a French text."""

from datetime import UTC
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "mtb" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"


def test_every_message_in_the_code_is_translated_to_french(tmp_path):
    template = tmp_path / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
        "--no-location", "-o", str(template), str(ROOT),
    ])
    with template.open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert len(wanted) > 500  # the extraction found the messages
    with CATALOGUE.open("rb") as handle:
        french = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in read_po(handle) if m.id}
    missing = sorted(w for w in wanted if w not in french or not all(
        french[w].string if isinstance(french[w].string, tuple) else [french[w].string]))
    assert not missing, f"run `make translations` and translate: {missing[:10]}"


def test_templates_translate_escape_and_format_as_jinja_newstyle_gettext():
    from flask_babel import force_locale

    from mtb import create_app

    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "test", "SMTP_URL": ""})
    page = app.jinja_env.from_string(
        "{{ _('Move %(ref)s up', ref=ref) }}|{{ pgettext('agenda', 'Remove') }}|{{ _('Remove') }}"
        "|{{ ngettext('%(num)d case', '%(num)d cases', 2) }}|{{ _('A VAF of %(vaf)s %% is low: is it a percentage, "
        "not a fraction? (A fraction of 0.35 is 35 %%.)', vaf='<5') }}"
    )
    text = app.jinja_env.from_string("{% autoescape false %}{{ _('Move %(ref)s up', ref=ref) }}{% endautoescape %}")
    with app.test_request_context("/"):
        with force_locale("fr"):
            html = page.render(ref="<b>THO</b>")
            plain = text.render(ref="A&B")
        english = page.render(ref="X")
    move, remove_item, remove, cases, vaf = html.split("|")
    assert move == "Monter &lt;b&gt;THO&lt;/b&gt;"  # the variable escaped, the sentence French
    assert (remove_item, remove, cases) == ("Retirer", "Supprimer", "2 dossiers")
    assert "&lt;5 %" in vaf and "%%" not in vaf  # "%%" is a percent sign
    assert plain == "Monter A&B"  # a text e-mail is not HTML-escaped
    assert english.startswith("Move X up|Remove|Remove|2 cases|")


def test_kept_date_words_follow_the_language_and_the_zone_of_each_call():
    """Printed times are kept (``formatting._formatted``): the same instant must still read
    in the reader's language and the board's zone, whichever was printed first."""
    from datetime import datetime, timedelta, timezone

    from flask_babel import force_locale

    from mtb import create_app
    from mtb.formatting import local_datetime

    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "test", "SMTP_URL": ""})
    naive_utc = datetime(2026, 3, 2, 13, 30)
    aware_elsewhere = naive_utc.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=-5)))
    with app.test_request_context("/"):
        english = local_datetime(naive_utc, "Europe/Paris")
        with force_locale("fr"):
            french = local_datetime(naive_utc, "Europe/Paris")
        assert english == "Mon 2 Mar 2026, 14:30"
        assert french == "lun. 2 mars 2026, 14:30"
        assert local_datetime(naive_utc, "America/New_York") == "Mon 2 Mar 2026, 08:30"
        # The same instant given with another offset prints in the zone asked for.
        assert local_datetime(aware_elsewhere, "Europe/Paris") == english
        assert local_datetime(naive_utc, "Europe/Paris", "d MMM") == "2 Mar"


def test_numbers_read_as_each_language_writes_them(client, login, clinician, create_case):
    """A French reader sees "VAF 12,5 %" and "Ko"; the English one "VAF 12.5 %" and "KB";
    HGVS positions are never touched."""
    from decimal import Decimal

    from mtb.extensions import db

    case = create_case(submitter=clinician, biomarkers=[
        {"kind": "variant", "gene": "EGFR", "hgvs_c": "c.2573T>G", "hgvs_p": "p.Leu858Arg", "vaf": Decimal("12.5")},
        {"kind": "tmb", "tmb": Decimal("10.25")}])
    login(clinician)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "VAF 12.5 %" in html and "TMB 10.25 mut/Mb" in html
    clinician.locale = "fr"
    db.session.commit()
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "VAF 12,5 %" in html and "TMB 10,25 mut/Mb" in html and "c.2573T&gt;G" in html
    with client.application.test_request_context(headers={"Accept-Language": "fr"}):
        from flask_babel import force_locale

        from mtb.formatting import filesize
        with force_locale("fr"):
            assert filesize(13824) == "13,5 Ko"
        with force_locale("en"):
            assert filesize(13824) == "13.5 KB"
