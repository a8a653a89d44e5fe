"""Decisions pages: the meeting in session (its secretary and chair), and one decision
with its versions, validation and correction.

Views load through ``mtb.access`` (which owns the 404/403 policy), call one service and
answer; the request's end commits (``mtb.transaction``).
"""

from mtb.decisions.views import conflicts, decision, in_session, live, review, urgent  # noqa: F401  (registers the routes)
