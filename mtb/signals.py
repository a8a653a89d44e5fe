"""News that travels up the parts: a lower part sends, a higher part listens.

Parts import only downward (cases below meetings, meetings below decisions, decisions
below minutes). When a lower part's change must make a higher part act, it sends one of
these signals; the higher part connects a receiver in its ``listeners`` module. Blinker
calls receivers synchronously, in the sender's transaction: what they change commits or
rolls back with the change that caused it.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sender: the Case; kwargs: user, now. The case entered the pool (first submission or a
#: resubmission after a deferral).
case_submitted = _signals.signal("case-submitted")

#: sender: the Case; kwargs: user. The case was withdrawn: it leaves any open agenda.
case_withdrawn = _signals.signal("case-withdrawn")

#: sender: the Board; kwargs: user, now, changed (the setting names), previous (each changed
#: setting's value before the save). Future meetings follow the new settings where they
#: still held the old ones (a meeting a secretary moved keeps its own).
board_settings_changed = _signals.signal("board-settings-changed")

#: sender: the Decision; kwargs: user, previous (the validated decision it corrects, or
#: None), publish (False when the minutes are being signed and publish everything at once).
decision_validated = _signals.signal("decision-validated")

#: sender: the Decision; kwargs: at. The decision was published with the minutes (their
#: signature, or a correction's): what the board decided on is kept as it was then.
decision_published = _signals.signal("decision-published")

#: A question rather than news: sender None; kwargs: cases (a page of Cases), now.
#: A receiver returns {case_id: (Meeting, proposed)}: the upcoming meeting each case is
#: on, or for a case waiting in the pool the one it is proposed for (proposed=True).
upcoming_meetings_wanted = _signals.signal("upcoming-meetings-wanted")

#: A question rather than news: sender None; kwargs: symbol (as typed). A receiver returns
#: the approved gene symbol(s) it stands for (one for an approved symbol or an alias of one
#: gene, several for an alias of several), or () for no gene. The gene table lives in the
#: cases part, above the boards that ask (their completeness requirements).
gene_symbol_wanted = _signals.signal("gene-symbol-wanted")
