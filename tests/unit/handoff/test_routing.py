"""Priority and skill group of a handoff, from handoff/routing.yml."""
import pytest

from handoff.routing import Routing

CONTRACT_REASONS = [
    "customer_request", "nlu_fallback", "faq_no_answer", "complaint", "form_failed",
    "policy_exception", "parcel_exception", "negative_sentiment", "vip", "action_error",
]


@pytest.fixture(scope="module")
def routing():
    return Routing.load()


@pytest.mark.parametrize("reason", CONTRACT_REASONS)
def test_every_contract_reason_has_a_route(routing, reason):
    route = routing.route(reason)
    assert route.reason == reason
    assert route.skill in {"tracking", "returns", "complaints", "general"}


def test_vip_then_exceptions_and_complaints_come_before_ordinary_requests(routing):
    vip, exception, complaint, asked = (
        routing.route(r).priority for r in ("vip", "parcel_exception", "complaint", "customer_request")
    )
    assert vip < exception == complaint < asked


def test_a_general_reason_goes_to_the_team_of_the_latest_topic(routing):
    assert routing.route("form_failed", ["deny", "track_parcel", "request_return"]).skill == "tracking"
    assert routing.route("customer_request", ["request_human", "check_return_status"]).skill == "returns"
    assert routing.route("customer_request", ["greet"]).skill == "general"


def test_a_reason_with_its_own_team_keeps_it(routing):
    assert routing.route("complaint", ["track_parcel"]).skill == "complaints"


def test_an_unknown_reason_is_refused(routing):
    with pytest.raises(ValueError, match="not a handoff reason"):
        routing.route("bored")
