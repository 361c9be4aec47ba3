"""Governance: the model inventory, model cards, deployment history, experiment reports,
operations and cost per model, the MLflow sync and the weekly documentation cycle (issue 17);
EU AI Act obligations with evidence, incidents on the Article 73 clocks, drift policies,
governance reviews and the Annex IV documentation pack (issue 18).

Every computed legal date is guidance, not legal advice (``GUIDANCE``): applicability depends on
the system's role and classification, and the dates of the Act have moved before.
"""

GUIDANCE = (
    "Computed dates are guidance, not legal advice: applicability depends on your role and the "
    "system's classification; check them with your legal counsel."
)


# The evidence hold must guard every deployment, whichever page or command records it.
from services.governance import incidents as _incidents  # noqa: E402, F401
