"""Pure governance rules: the obligation catalogue, the Article 73 clocks, drift levels."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.governance import catalogue, clocks, drift_rules

BERLIN = ZoneInfo("Europe/Berlin")
# Friday 23 October 2026, 19:30 in Berlin; clocks go back (CEST -> CET) on Sunday 25 October.
FRIDAY_EVENING = datetime(2026, 10, 23, 19, 30, tzinfo=BERLIN).astimezone(UTC)


# --- catalogue ------------------------------------------------------------------------------


def test_catalogue_loads_every_article_the_issue_names() -> None:
    articles = " ".join(e.article for e in catalogue.catalogue())
    for article in (
        "9",
        "10",
        "11",
        "12",
        "13",
        "14",
        "15",
        "17",
        "18",
        "26",
        "26(6)",
        "26(7)",
        "27",
        "47",
        "49",
        "50",
        "72",
        "73",
    ):
        assert article in articles.replace(",", " ").split() or f"{article}(" in articles


def test_high_risk_provider_and_deployer_get_different_duties() -> None:
    provider = {e.key for e in catalogue.for_system("high", "provider")}
    deployer = {e.key for e in catalogue.for_system("high", "deployer")}
    assert "art11_technical_documentation" in provider
    assert "art11_technical_documentation" not in deployer
    assert {"art26_6_logs_kept", "art26_7_workers_informed", "art27_fria"} <= deployer
    assert "art73_incident_procedure" in provider & deployer


def test_limited_risk_deployer_gets_transparency_not_high_risk_duties() -> None:
    keys = {e.key for e in catalogue.for_system("limited", "deployer")}
    assert "art50_transparency_deployer" in keys
    assert not keys & {"art9_risk_management", "art26_deployer_duties", "art27_fria"}


def test_applies_from_dates_are_data_per_obligation() -> None:
    entries = catalogue.by_key()
    assert entries["art50_transparency_provider"].applies_from == date(2026, 8, 2)
    assert entries["art9_risk_management"].applies_from == date(2027, 12, 2)
    assert entries["art4_ai_literacy"].applies_from == date(2025, 2, 2)


def test_retention_periods_follow_the_articles() -> None:
    entries = catalogue.by_key()
    assert entries["art18_documentation_kept"].retention_months == 120
    assert entries["art26_6_logs_kept"].retention_months == 6
    assert entries["art12_record_keeping"].retention_months == 6


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[obligation]]\nkey = "a"\n', "field 'article'"),
        (
            '[[obligation]]\nkey="a"\narticle="9"\ntitle="t"\nsummary="s"\nrisk_classes=["huge"]\n'
            'roles=["provider"]\napplies_from=2027-12-02\nretention_months=1\nretention_basis="x"\n',
            "unknown value(s) ['huge']",
        ),
        ("[[obligation]\n", "not valid TOML"),
    ],
)
def test_a_malformed_catalogue_is_refused_naming_the_field(text: str, message: str) -> None:
    with pytest.raises(catalogue.CatalogueError, match=re.escape(message)):
        catalogue.parse(text)


def test_a_key_used_twice_is_refused() -> None:
    one = (
        '[[obligation]]\nkey="a"\narticle="9"\ntitle="t"\nsummary="s"\nrisk_classes=["high"]\n'
        'roles=["provider"]\napplies_from=2027-12-02\nretention_months=1\nretention_basis="x"\n'
    )
    with pytest.raises(catalogue.CatalogueError, match="used twice: a"):
        catalogue.parse(one + one)


# --- incident clocks ------------------------------------------------------------------------


def _due(category: str) -> datetime:
    items = clocks.deadlines(category=category, aware_at=FRIDAY_EVENING, tz=BERLIN, deployer=False)
    due = clocks.report_due_at(items)
    assert due is not None
    return due


def test_critical_infrastructure_is_due_at_the_end_of_the_second_day_across_the_clock_change() -> (
    None
):
    # Friday excluded; Saturday and Sunday count; Sunday 25 October ends at 23:59:59 CET (+01:00).
    due = _due("critical_infrastructure")
    assert due.astimezone(BERLIN).isoformat() == "2026-10-25T23:59:59+01:00"
    assert due == datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC)


def test_widespread_infringement_has_the_same_two_day_clock() -> None:
    assert _due("widespread_infringement") == _due("critical_infrastructure")


def test_death_is_due_at_the_end_of_the_tenth_day() -> None:
    assert _due("death").astimezone(BERLIN).isoformat() == "2026-11-02T23:59:59+01:00"


def test_other_serious_incidents_are_due_at_the_end_of_the_fifteenth_day() -> None:
    assert _due("other_serious").astimezone(BERLIN).isoformat() == "2026-11-07T23:59:59+01:00"


def test_awareness_just_before_local_midnight_counts_from_the_next_local_day() -> None:
    # 23:50 on Friday in Berlin is already Friday 21:50 UTC: the local day decides.
    late = datetime(2026, 10, 23, 23, 50, tzinfo=BERLIN)
    items = clocks.deadlines(
        category="critical_infrastructure", aware_at=late, tz=BERLIN, deployer=False
    )
    assert clocks.report_due_at(items) == _due("critical_infrastructure")
    just_after = late + timedelta(minutes=15)  # Saturday 00:05 local
    items = clocks.deadlines(
        category="critical_infrastructure", aware_at=just_after, tz=BERLIN, deployer=False
    )
    due = clocks.report_due_at(items)
    assert due is not None and due.astimezone(BERLIN).date() == date(2026, 10, 26)


def test_the_deadline_is_not_moved_off_a_weekend() -> None:
    due = _due("critical_infrastructure").astimezone(BERLIN)
    assert due.weekday() == 6  # a Sunday, kept: Art. 3(4) is not applied


def test_a_deployer_must_inform_the_provider_at_once_and_a_filed_report_closes_the_clock() -> None:
    items = clocks.deadlines(category="death", aware_at=FRIDAY_EVENING, tz=BERLIN, deployer=True)
    assert [d.key for d in items] == ["provider_notice", "initial_report", "complete_report"]
    assert items[0].due_at == FRIDAY_EVENING and items[0].rule == "Art. 26(5)"
    assert items[1].rule == "Art. 73(4)" and items[2].due_at is None
    filed = clocks.deadlines(
        category="death",
        aware_at=FRIDAY_EVENING,
        tz=BERLIN,
        deployer=True,
        initial_report_at=FRIDAY_EVENING + timedelta(days=1),
    )
    assert clocks.report_due_at(filed) is None


def test_an_incident_that_is_not_serious_has_no_clock() -> None:
    assert (
        clocks.deadlines(category="not_serious", aware_at=FRIDAY_EVENING, tz=BERLIN, deployer=True)
        == []
    )


def test_reminders_fall_24_and_6_real_hours_before_the_deadline_and_at_it() -> None:
    items = clocks.deadlines(
        category="critical_infrastructure", aware_at=FRIDAY_EVENING, tz=BERLIN, deployer=False
    )
    times = dict(items[0].reminder_times())
    due = _due("critical_infrastructure")
    assert times == {
        "initial_report:24h": due - timedelta(hours=24),
        "initial_report:6h": due - timedelta(hours=6),
        "initial_report:0h": due,
    }
    # Sunday 25 October has 25 hours: 24 real hours before 23:59:59 CET is 00:59:59 CEST.
    assert times["initial_report:24h"].astimezone(BERLIN).isoformat() == (
        "2026-10-25T00:59:59+02:00"
    )


def test_time_left_reads_in_days_and_hours_and_says_overdue() -> None:
    due = datetime(2026, 10, 25, 22, 0, tzinfo=UTC)
    assert clocks.time_left(due, due - timedelta(hours=28)) == "1 d 4 h left"
    assert clocks.time_left(due, due - timedelta(minutes=90)) == "1 h 30 min left"
    assert clocks.time_left(due, due + timedelta(hours=3)) == "overdue by 3 h 0 min"


# --- drift ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [(0.05, "ok"), (0.1, "warning"), (0.19, "warning"), (0.25, "critical")]
)
def test_a_metric_that_is_bad_above_reaches_warning_then_critical(
    value: float, expected: str
) -> None:
    assert drift_rules.level(value, "above", 0.1, 0.2) == expected


@pytest.mark.parametrize(("value", "expected"), [(0.9, "ok"), (0.85, "warning"), (0.7, "critical")])
def test_a_metric_that_is_bad_below_reaches_warning_then_critical(
    value: float, expected: str
) -> None:
    assert drift_rules.level(value, "below", 0.85, 0.8) == expected


def test_thresholds_in_the_wrong_order_are_refused() -> None:
    with pytest.raises(ValueError, match="at or above the warning"):
        drift_rules.check_thresholds("above", 0.2, 0.1)
    with pytest.raises(ValueError, match="at or below the warning"):
        drift_rules.check_thresholds("below", 0.8, 0.85)


def test_a_critical_breach_under_suspend_opens_an_incident_and_others_an_action_item() -> None:
    assert drift_rules.opens("critical", "suspend") == "incident"
    assert drift_rules.opens("critical", "retrain") == "action_item"
    assert drift_rules.opens("warning", "suspend") == "action_item"
    assert drift_rules.opens("ok", "suspend") is None
