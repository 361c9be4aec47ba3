"""Drift policy rules: which level a metric reading reaches, and what a breach opens.

A policy watches one metric with a warning and a critical threshold; ``direction`` says which side
is bad ("above": error rates, PSI, latency; "below": accuracy, AUC). A warning opens an action item
for the policy's owner; a critical breach does what the policy's action says: alert only and
retrain and roll back open an action item, suspend opens an incident (the system is taken out of
use, which is a governance event, not a task).
"""

from __future__ import annotations

from db.models import DRIFT_ACTIONS, DRIFT_DIRECTIONS, DRIFT_LEVELS

__all__ = [
    "DRIFT_ACTIONS",
    "DRIFT_DIRECTIONS",
    "DRIFT_LEVELS",
    "check_thresholds",
    "level",
    "opens",
]
ACTION_LABELS = {
    "alert_only": "Alert only",
    "retrain": "Retrain",
    "roll_back": "Roll back",
    "suspend": "Suspend",
}


def check_thresholds(direction: str, warning: float, critical: float) -> None:
    """Refuse a policy whose critical threshold is not beyond its warning one."""
    if direction not in DRIFT_DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DRIFT_DIRECTIONS)}")
    worse = critical >= warning if direction == "above" else critical <= warning
    if not worse:
        side = "at or above" if direction == "above" else "at or below"
        raise ValueError(f"the critical threshold must be {side} the warning threshold")


def level(value: float, direction: str, warning: float, critical: float) -> str:
    """'ok', 'warning' or 'critical' for one reading; reaching a threshold counts as crossing."""
    if direction == "above":
        return "critical" if value >= critical else "warning" if value >= warning else "ok"
    return "critical" if value <= critical else "warning" if value <= warning else "ok"


def opens(breach_level: str, action: str) -> str | None:
    """What a breach opens: 'action_item', 'incident', or None for a reading that is ok."""
    if breach_level == "ok":
        return None
    if breach_level == "critical" and action == "suspend":
        return "incident"
    return "action_item"
