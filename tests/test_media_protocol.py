import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tongdai.media import protocol


def test_command_reply_event_round_trip():
    decoder = protocol.LineDecoder()
    data = (
        protocol.command(1, "ping")
        + protocol.reply(1, {"pjsip": "2.12.1"})
        + protocol.event("ready", pid=42)
    )
    msgs = decoder.feed(data[:7]) + decoder.feed(data[7:])
    assert msgs == [
        {"v": protocol.VERSION, "id": 1, "cmd": "ping"},
        {"v": protocol.VERSION, "id": 1, "ok": True, "result": {"pjsip": "2.12.1"}},
        {"v": protocol.VERSION, "event": "ready", "pid": 42},
    ]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (b"not json\n", "not JSON"),
        (b"[1,2]\n", "JSON object"),
        (b'{"v": 99, "cmd": "ping"}\n', "version"),
        (f'{{"v": {protocol.VERSION}}}\n'.encode(), "cmd, event or ok"),
        (b"\xff\xfe\n", "not JSON"),
    ],
)
def test_bad_lines_raise_protocol_error(line, problem):
    with pytest.raises(protocol.ProtocolError, match=problem):
        protocol.LineDecoder().feed(line)


def test_an_endless_line_is_refused():
    decoder = protocol.LineDecoder()
    with pytest.raises(protocol.ProtocolError, match="longer than"):
        decoder.feed(b"x" * (protocol.MAX_LINE + 1))


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=10).filter(lambda k: k not in ("v", "id", "cmd")),
        st.one_of(st.integers(), st.text(max_size=50), st.booleans()),
        max_size=5,
    )
)
def test_any_arguments_survive_encoding(args):
    (msg,) = protocol.LineDecoder().feed(protocol.command(9, "play", **args))
    assert msg == {"v": protocol.VERSION, "id": 9, "cmd": "play", **args}
    assert json.loads(protocol.command(9, "play", **args))["id"] == 9
