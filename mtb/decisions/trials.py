"""Clinical trial registrations on recommendations: the identifier formats, their checks
and their registry links live with the trial registry (``mtb.trials.registrations``),
which recommendations and the site's trial list share."""

from __future__ import annotations

from mtb.trials.registrations import (  # noqa: F401  (the names recommendations read from here)
    EUCT,
    EUDRACT,
    FORMATS,
    IDRCB,
    JOINER,
    LOCAL,
    NCT,
    REGISTRY_NAMES,
    SEPARATORS,
    SYSTEMS,
    TRIAL_PHASES,
    URLS,
    Registration,
    format_problem,
    parse_ids,
    registry_of,
    split_stored,
)
