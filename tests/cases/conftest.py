"""Fixtures of the case tests (the suite's own live in tests/fixtures/)."""

from pathlib import Path

import pytest

from mtb.cases import services
from mtb.cases.findings import GenomeBuild, MolecularReport
from mtb.cases.uploads import Upload
from mtb.extensions import db

VCF_DATA = Path(__file__).parent / "data" / "vcf"


@pytest.fixture
def case_with(create_case, make_user):
    """case_with(file name, build=GRCh38) -> (case, attachment, clinician): a case with a
    report on that build and the file (from tests/cases/data/vcf, or ``data``) attached."""

    def make(name: str, build: GenomeBuild | None = GenomeBuild.GRCH38, data: bytes | None = None,
             status: str = "draft"):
        clinician = make_user("clinician@example.org", {"thoracic": ["clinician"]}, name="Dr Claire Dubois")
        case = create_case(submitter=clinician, status=status, biomarkers=() if status == "draft" else
                           ({"kind": "tmb", "tmb": 12},))
        case.reports.append(MolecularReport(position=0, assay="TSO500", lab="Biologie moléculaire",
                                            genome_build=build))
        data = data if data is not None else (VCF_DATA / name).read_bytes()
        attachment, = services.add_attachments(case, clinician, [Upload(name, data)])
        db.session.commit()
        return case, attachment, clinician

    return make
