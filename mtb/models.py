"""Imports every model so the metadata (and Alembic) sees the whole schema."""

from mtb.accounts.models import BoardRole, Role, User  # noqa: F401
from mtb.audit.models import AuditEvent  # noqa: F401
from mtb.boards.models import Board  # noqa: F401
from mtb.cases.models import Attachment, Biomarker, Case, CaseCounter, CaseEvent  # noqa: F401
from mtb.decisions import models as decisions_models  # noqa: F401
from mtb.meetings.models import AgendaItem, Meeting  # noqa: F401
from mtb.minutes import models as minutes_models  # noqa: F401
from mtb.exports import models as exports_models  # noqa: F401
from mtb.trials import models as trials_models  # noqa: F401
from mtb.outcomes import models as outcomes_models  # noqa: F401
from mtb.notifications.models import OutboxMessage  # noqa: F401
from mtb.scheduling.models import JobRun  # noqa: F401
from mtb.idempotency import SubmissionKey  # noqa: F401
