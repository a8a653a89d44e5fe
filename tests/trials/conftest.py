import pytest

from mtb.boards import services as boards_service
from mtb.extensions import db
from mtb.trials.models import MolecularLogic, Trial, TrialStatus


@pytest.fixture
def create_trial():
    """create_trial(board="thoracic", ids="NCT...", status="recruiting", **criteria) -> Trial (built directly)."""
    counter = {"n": 0}

    def create(board: str | tuple = "thoracic", ids: str | None = None, status: str = "recruiting",
               title: str | None = None, **criteria) -> Trial:
        counter["n"] += 1
        ids = ids or f"NCT0912{counter['n']:04d}"
        names = (board,) if isinstance(board, str) else board
        values = dict(alterations=[], icd10_ranges=[], molecular_logic=MolecularLogic.ANY)
        values.update(criteria)
        trial = Trial(registry_ids=ids, primary_id=ids.split(",")[0].strip(), title=title or f"Trial {counter['n']}",
                      status=TrialStatus(status), boards=[boards_service.get_board(n) for n in names], **values)
        db.session.add(trial)
        db.session.commit()
        return trial

    return create
