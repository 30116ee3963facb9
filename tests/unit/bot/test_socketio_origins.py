"""Which pages may open the chat socket (credentials.yml `allowed_origins`)."""
import pytest

from bot.channels.socketio import allowed_origins


@pytest.mark.parametrize("configured", [None, []])
def test_without_a_list_only_the_servers_own_origin_may_connect(configured):
    assert allowed_origins(configured) is None  # engine.io's same-origin check


def test_listed_origins_are_the_only_others_allowed():
    listed = ["https://www.example.com", "http://127.0.0.1:5005"]
    assert allowed_origins(listed) == listed


@pytest.mark.parametrize("configured", [["*"], "https://www.example.com", ["https://www.example.com/chat"],
                                        ["www.example.com"], [42]])
def test_a_wildcard_or_malformed_origin_stops_the_start(configured):
    with pytest.raises(ValueError, match="allowed_origins"):
        allowed_origins(configured)
