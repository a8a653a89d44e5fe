"""Reading the trial registry: the list a user may see, one trial, and the recruiting
trials each case matches (one query for a board's trials, one for the cases' findings,
however many cases a page lists)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from mtb.boards.models import Board
from mtb.cases.models import Biomarker
from mtb.db import utcnow
from mtb.extensions import db
from mtb.trials.matching import CaseFacts, MatchResult, criteria_key, finding_genes, match, may_match
from mtb.trials.models import Trial, TrialStatus, trial_boards


@dataclass
class TrialMatch:
    trial: Trial
    result: MatchResult


@dataclass(frozen=True)
class ListedTrial:
    """A trial of the registry list, as much as says whether its kept row is current."""

    id: int
    version: int
    #: (id, name) of its boards, by name.
    boards: tuple[tuple[int, str], ...]


def list_trials(user, *, board_id: int | None = None, status: TrialStatus | None = None) -> list[ListedTrial]:
    """The registry's trials the user sees, recruiting first, then on hold, then by title;
    their ids, versions and boards only (one query): ``trials_by_id`` loads those whose
    row is not kept already."""
    query = sa.select(Trial.id).where(Trial.visible_to(user))
    if board_id is not None:
        query = query.where(Trial.id.in_(sa.select(trial_boards.c.trial_id).where(trial_boards.c.board_id == board_id)))
    if status is not None:
        query = query.where(Trial.status == status)
    order = sa.case((Trial.status == TrialStatus.RECRUITING, 0), (Trial.status == TrialStatus.ON_HOLD, 1), else_=2)
    listed = query.add_columns(Trial.version, order.label("rank"), Trial.title).subquery()
    rows = db.session.execute(
        sa.select(listed.c.id, listed.c.version, Board.id, Board.name)
        .outerjoin(trial_boards, trial_boards.c.trial_id == listed.c.id)
        .outerjoin(Board, Board.id == trial_boards.c.board_id)
        .order_by(listed.c.rank, listed.c.title, listed.c.id, Board.name)
    ).all()
    found: dict[int, tuple[int, list]] = {}
    for trial_id, version, board_id_, board_name in rows:
        boards = found.setdefault(trial_id, (version, []))[1]
        if board_id_ is not None:
            boards.append((board_id_, board_name))
    return [ListedTrial(trial_id, version, tuple(boards)) for trial_id, (version, boards) in found.items()]


def trials_by_id(ids) -> dict[int, Trial]:
    ids = list(ids)
    if not ids:
        return {}
    return {t.id: t for t in db.session.scalars(sa.select(Trial).where(Trial.id.in_(ids)))}


def visible_trial(trial_id: int, user) -> Trial | None:
    """A trial of one of the user's boards (any, for an admin), or None."""
    return db.session.scalar(sa.select(Trial).where(Trial.id == trial_id, Trial.visible_to(user)))


def trials_holding(identifiers: list[str]) -> list[Trial]:
    """The trials holding any of these registry ids among all of theirs (not only the
    first), the holder of the first identifier first."""
    if not identifiers:
        return []
    # registry_ids is a joined list: LIKE finds the candidates, the split ids decide
    # (NCT0912000 is inside NCT09120005). Exact, so a case-blind LIKE (SQLite) is harmless.
    found = list(db.session.scalars(
        sa.select(Trial).where(sa.or_(*(Trial.registry_ids.contains(i, autoescape=True) for i in identifiers)))
        .order_by(Trial.id)))
    held = {t.id: {r.identifier for r in t.registrations} for t in found}
    ordered: list[Trial] = []
    for identifier in identifiers:
        ordered += [t for t in found if identifier in held[t.id] and t not in ordered]
    return ordered


def registry_stamp() -> tuple:
    """What changes whenever any trial of the registry does, in one small read: a save or
    an import moves a trial's version (its boards included), an added trial the count and
    the newest change, a removed one the count. What is kept of matches is keyed on it."""
    return tuple(db.session.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(Trial.version), 0), sa.func.max(Trial.id),
        sa.func.max(Trial.updated_at))).one())


@dataclass(frozen=True)
class MatchLine:
    """A match as a list prints it, worded (``MatchResult.brief``): what a page keeps."""

    label: str
    met: str
    unknown: str

    @classmethod
    def of(cls, found: TrialMatch) -> MatchLine:
        met, unknown = found.result.brief()
        return cls(found.trial.label, met, unknown)


def recruiting_trials(board_ids) -> dict[int, list[Trial]]:
    """The recruiting trials of these boards, by board id: one query."""
    board_ids = set(board_ids)
    if not board_ids:
        return {}
    rows = db.session.execute(
        sa.select(trial_boards.c.board_id, Trial).join(Trial, Trial.id == trial_boards.c.trial_id)
        .where(trial_boards.c.board_id.in_(board_ids), Trial.status == TrialStatus.RECRUITING)
        # Matching reads the criteria, not the trial's list of boards (a statement of its own).
        .options(lazyload(Trial.boards))
        .order_by(Trial.title)
    ).all()
    found: dict[int, list[Trial]] = defaultdict(list)
    for board_id, trial in rows:
        found[board_id].append(trial)
    return found


def _findings_of(cases) -> dict[int, list[Biomarker]]:
    """Each case's biomarkers: as loaded (the case page), the others' in one query."""
    missing = [c.id for c in cases if "biomarkers" in sa.inspect(c).unloaded]
    found = {c.id: list(c.biomarkers) for c in cases if c.id not in missing}
    if missing:
        for biomarker in db.session.scalars(sa.select(Biomarker).where(Biomarker.case_id.in_(missing))
                                            .order_by(Biomarker.position)):
            found.setdefault(biomarker.case_id, []).append(biomarker)
    return found


def matches_for_cases(cases, by_board: dict[int, list[Trial]] | None = None,
                      findings: dict[int, list] | None = None) -> dict[int, list[TrialMatch]]:
    """The recruiting trials each case matches, best first (most criteria met), by case id.

    At most two queries whatever the number of cases: the boards' recruiting trials (with
    their boards) and the rows of cases loaded without them (never one lazy load per case).
    ``findings``: every case's biomarkers by case id, when the caller has read them (rows)."""
    cases = list(cases)
    if not cases:
        return {}
    if by_board is None:
        by_board = recruiting_trials({c.board_id for c in cases})
    if not any(by_board.values()):
        return {c.id: [] for c in cases}
    rows = defaultdict(list, findings if findings is not None else _findings_of(cases))
    today = utcnow().date()
    found: dict[int, list[TrialMatch]] = {}
    registries = {board_id: _Registry(trials) for board_id, trials in by_board.items()}
    trial_by_id = {t.id: t for trials in by_board.values() for t in trials}
    for case in cases:
        facts = CaseFacts.of(case, rows[case.id], today)
        judged = _judged(facts, registries.get(case.board_id), by_board.get(case.board_id, []))
        found[case.id] = [TrialMatch(trial_by_id[i], result) for i, result in judged]
    return found


# Matching is a pure function of a case's facts (today's date included: ages change) and
# of the board's recruiting trials' criteria, and the same pool is judged on every view of
# the agenda builder: each process keeps the verdicts, keyed on both, so a view judges only
# what changed. A trial or case edited gets a new key; nothing has to be forgotten by hand.
_MEMO_LIMIT = 20_000
_verdicts: dict[tuple[CaseFacts, _Registry], list[tuple[int, MatchResult]]] = {}


class _Registry(tuple):
    """A board's recruiting trials as matching reads them (id, title for the order, criteria),
    hashed once: it keys the verdicts of every case of a page."""

    def __new__(cls, trials):
        registry = super().__new__(cls, ((t.id, t.title, criteria_key(t)) for t in trials))
        registry.hashed = tuple.__hash__(registry)
        return registry

    def __hash__(self):
        return self.hashed


def _judged(facts: CaseFacts, registry: _Registry | None, trials: list[Trial]) -> list[tuple[int, MatchResult]]:
    """(trial id, result) of the trials the case matches, best first."""
    if not registry:
        return []
    kept = _verdicts.get((facts, registry))
    if kept is not None:
        return kept
    genes = finding_genes(facts)
    judged = [(t, r) for t in trials if may_match(t, facts, genes) and (r := match(t, facts)).is_match]
    judged.sort(key=lambda m: (-len(m[1].matched), len(m[1].unknown), m[0].title))
    verdicts = [(t.id, r) for t, r in judged]
    if len(_verdicts) >= _MEMO_LIMIT:
        _verdicts.clear()
    _verdicts[(facts, registry)] = verdicts
    return verdicts


def matches_for_case(case, by_board: dict[int, list[Trial]] | None = None) -> list[TrialMatch]:
    """``by_board``: the board's recruiting trials when the caller has read them already."""
    return matches_for_cases([case], by_board).get(case.id, [])


def board_trial(board_id: int, trial_id: int, *, recruiting: bool = True) -> Trial | None:
    """A recruiting trial of the board (for a recommendation), or None. ``recruiting=False``:
    a trial of the board whatever its status (to say why it cannot be recommended)."""
    query = (sa.select(Trial).join(trial_boards, trial_boards.c.trial_id == Trial.id)
             .where(Trial.id == trial_id, trial_boards.c.board_id == board_id))
    if recruiting:
        query = query.where(Trial.status == TrialStatus.RECRUITING)
    return db.session.scalar(query)
