"""Attachment files are typed by their content; names are made safe for download."""

import hashlib

import pytest

pytestmark = pytest.mark.usefixtures("request_ctx")

from mtb.cases.uploads import check_upload, content_disposition, detect_type, readable_filename, sent_filename
from mtb.errors import InvalidInput

LIMIT = 1024 * 1024


@pytest.mark.parametrize("kind", ["pdf", "png", "jpeg", "vcf", "vcf.gz", "csv", "tsv"])
def test_each_accepted_type_is_detected_from_its_bytes(files, kind):
    assert detect_type(files[kind]) == kind


def test_real_pdf_is_accepted_with_its_sha256(files):
    checked = check_upload("NGS report.pdf", files["pdf"], LIMIT)
    assert checked.file_type == "pdf" and checked.content_type == "application/pdf"
    assert checked.sha256 == hashlib.sha256(files["pdf"]).hexdigest()
    assert checked.size == len(files["pdf"])


def test_pdf_name_with_png_bytes_is_refused(files):
    with pytest.raises(InvalidInput, match="contains a PNG file but its name does not say so"):
        check_upload("report.pdf", files["png"], LIMIT)


def test_executable_is_refused_whatever_its_name(files):
    for name in ("setup.exe", "report.pdf"):
        with pytest.raises(InvalidInput, match="not a file type MTB accepts"):
            check_upload(name, files["exe"], LIMIT)


def test_compressed_vcf_is_accepted(files):
    checked = check_upload("tumour.vcf.gz", files["vcf.gz"], LIMIT)
    assert checked.file_type == "vcf.gz"


def test_gzip_of_something_else_is_refused(files):
    import gzip

    with pytest.raises(InvalidInput):
        check_upload("archive.vcf.gz", gzip.compress(b"just some text"), LIMIT)


def test_text_without_a_consistent_delimiter_is_refused():
    ragged = b"gene,variant\nEGFR,p.Leu858Arg,32,extra\nfree text line\n"
    with pytest.raises(InvalidInput):
        check_upload("table.csv", ragged, LIMIT)


def test_non_utf8_text_is_refused():
    with pytest.raises(InvalidInput):
        check_upload("table.csv", "gène;vaf\nEGFR;32\n".encode("latin-1"), LIMIT)


def test_file_over_the_limit_is_refused(files):
    with pytest.raises(InvalidInput, match="limit"):
        check_upload("big.pdf", files["pdf"] + b"x" * 2000, 1000)


def test_empty_file_is_refused():
    with pytest.raises(InvalidInput, match="empty"):
        check_upload("empty.pdf", b"", LIMIT)


def test_file_names_lose_paths_and_control_characters_but_stay_readable():
    assert readable_filename("C:\\Users\\x\\Rapport été.pdf") == "Rapport été.pdf"
    assert readable_filename("../../etc/passwd") == "passwd"
    assert readable_filename('bad"name\r\n.pdf') == "badname.pdf"


def test_content_disposition_has_ascii_fallback_and_rfc5987_name():
    header = content_disposition("Rapport NGS été.pdf")
    assert header.startswith('attachment; filename="Rapport_NGS_ete.pdf"')
    assert "filename*=UTF-8''Rapport%20NGS%20%C3%A9t%C3%A9.pdf" in header
    assert content_disposition("report.pdf") == 'attachment; filename="report.pdf"'


@pytest.mark.parametrize("header", [
    'form-data; name="files"; filename="C:\\Users\\x\\rapport été.pdf"',  # as browsers send it
    'form-data; name="files"; filename="C:\\\\Users\\\\x\\\\rapport été.pdf"',  # quoted-string escapes
    'form-data; name="files"; filename="/home/x/rapport été.pdf"',
])
def test_sent_file_name_keeps_only_the_last_path_component(header):
    from werkzeug.datastructures import FileStorage, Headers

    storage = FileStorage(filename="C:Usersxrapport été.pdf", headers=Headers({"Content-Disposition": header}))
    assert sent_filename(storage) == "rapport été.pdf"
    assert readable_filename(sent_filename(storage)) == "rapport été.pdf"
