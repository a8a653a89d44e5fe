"""The minutes tests run meetings too: reuse the session fixtures."""

from tests.decisions.conftest import make_meeting, team  # noqa: F401
