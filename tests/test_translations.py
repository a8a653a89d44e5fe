"""The boards work in French and English: every message the code shows has a French text."""

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
