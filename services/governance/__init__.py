"""Governance: EU AI Act obligations with evidence, incidents on the Article 73 clocks, drift
policies, governance reviews and the Annex IV documentation pack.

Every computed legal date is guidance, not legal advice (``GUIDANCE``): applicability depends on
the system's role and classification, and the dates of the Act have moved before.
"""

GUIDANCE = (
    "Computed dates are guidance, not legal advice: applicability depends on your role and the "
    "system's classification; check them with your legal counsel."
)
