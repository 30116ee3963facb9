"""A month of conversations through the real assistant (commands/generate_month.py: a
known mix of resolved, handed-off, rated, abandoned, returned and returning customers,
each at its own moment of November on a simulated clock) gives a report whose figures
are the ones the generator worked out from what its customers and agent did; and
loading the sources again adds nothing twice."""
import math

import pytest

from analytics_month import generated_month, read_figures

# Playing the month takes minutes on a busy machine: one test's time for all of it.
pytestmark = pytest.mark.timeout(1800)

# Waits, replies and handling are timed on the simulated clock, which runs on at the
# real pace between the generator's steps: a slow request lengthens them a little.
SECONDS_TOLERANCE = 3.0
TIMED = {"wait_p50_seconds", "wait_p95_seconds", "first_response_p50_seconds",
         "handle_time_p50_seconds"}


@pytest.fixture(scope="module")
def month(model_path, tmp_path_factory):
    return generated_month(model_path, tmp_path_factory.mktemp("analytics-month"))


def test_the_report_shows_what_the_month_did(month):
    reported = read_figures(month.reports[0])
    wrong = []
    for (metric, segment), expected in sorted(month.expected.items()):
        value = reported.get((metric, segment))
        tolerance = SECONDS_TOLERANCE if metric in TIMED else 1e-6
        if value is None or not math.isclose(value, expected, abs_tol=tolerance):
            wrong.append(f"{metric} {segment}: expected {expected}, reported {value}")
    assert not wrong, "\n".join(wrong)
    # Nothing counted that the month did not do: every conversation, handoff reason
    # and team, hour and day the report shows is one the generator played.
    for metric in ("conversations", "handoff_rate", "returns", "csat_count"):
        shown = {key for key in reported if key[0] == metric}
        assert shown <= set(month.expected), sorted(shown - set(month.expected))


def test_the_mix_covers_every_outcome(month):
    expected = month.expected
    assert expected[("conversations", "all")] == month.conversations >= 60
    for rate in ("containment_rate", "handoff_rate", "bot_abandonment_rate", "queue_abandonment_rate"):
        assert 0 < expected[(rate, "all")] < 1, rate
    assert expected[("durable_containment_rate", "all")] < expected[("containment_rate", "all")]
    assert sum(expected[(rate, "all")] for rate in (
        "containment_rate", "handoff_rate", "bot_abandonment_rate")) == pytest.approx(1)
    assert sum(expected.get(("csat_count", f"score={s}"), 0) for s in range(1, 6)) > 5
    assert expected[("returns", "all")] > 0 and expected[("sla_breaches", "all")] > 0


def test_loading_again_adds_nothing_twice(month):
    first, second = (read_figures(report) for report in month.reports)
    assert second == first
