"""The sans-I/O AT protocol and its parsers: framing, echo, URCs inside responses, split
reads at every byte boundary, and the status commands' answers."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tongdai.gsm import at
from tongdai.gsm.at import AtError, AtProtocol, Prompt, Response, Timeout, Urc

CSQ_WITH_URCS = (
    b"AT+CSQ\r"  # the echo (echo on)
    b"\r\n+CSQ: 20,99\r\n"
    b"\r\n^RSSI: 21\r\n"  # a Huawei URC in the middle of the response
    b"\r\nRING\r\n"
    b"\r\nOK\r\n"
)


def _run(chunks, command="AT+CSQ"):
    proto = AtProtocol()
    assert proto.send(command, now=0.0, timeout=5) == command.encode() + b"\r"
    events = []
    for chunk in chunks:
        events.extend(proto.feed(chunk))
    return proto, events


def test_response_with_echo_and_urcs_in_the_middle():
    proto, events = _run([CSQ_WITH_URCS])
    assert events == [
        Urc("^RSSI: 21"),
        Urc("RING"),
        Response("AT+CSQ", ("+CSQ: 20,99",), "OK"),
    ]
    assert events[0].name == "^RSSI" and events[0].value == "21"
    assert not proto.busy and events[-1].ok
    assert at.parse_csq(events[-1].lines) == -73


def test_split_reads_at_every_byte_boundary_give_the_same_events():
    _, whole = _run([CSQ_WITH_URCS])
    for cut in range(1, len(CSQ_WITH_URCS)):
        _, events = _run([CSQ_WITH_URCS[:cut], CSQ_WITH_URCS[cut:]])
        assert events == whole, cut


@given(st.lists(st.integers(1, len(CSQ_WITH_URCS) - 1), max_size=12))
def test_any_split_gives_the_same_events(cuts):
    _, whole = _run([CSQ_WITH_URCS])
    bounds = [0, *sorted(set(cuts)), len(CSQ_WITH_URCS)]
    chunks = [CSQ_WITH_URCS[a:b] for a, b in itertools.pairwise(bounds)]
    assert _run(chunks)[1] == whole


def test_errors_end_the_command_with_their_code():
    _, events = _run([b"\r\n+CME ERROR: 10\r\n"], "AT+CPIN?")
    assert events == [Response("AT+CPIN?", (), "+CME ERROR: 10")]
    assert not events[0].ok and events[0].error_code == 10
    assert at.parse_cpin(events[0]) == at.SIM_NOT_INSERTED
    _, events = _run([b"\r\n+CMS ERROR: 500\r\n"], "AT+CMGF=0")
    assert events[0].error_code == 500
    for final in (b"ERROR", b"NO CARRIER", b"BUSY", b"NO ANSWER"):
        _, events = _run([b"\r\n" + final + b"\r\n"], "ATD0912000111;")
        assert events == [Response("ATD0912000111;", (), final.decode())]


def test_lines_without_a_command_are_urcs_and_cmt_takes_its_pdu_line():
    proto = AtProtocol()
    events = proto.feed(b'\r\n+CMTI: "SM",3\r\n\r\n+CMT: ,24\r\n0791448720003023\r\nNO CARRIER\r\n')
    assert events == [
        Urc('+CMTI: "SM",3'),
        Urc("+CMT: ,24", "0791448720003023"),
        Urc("NO CARRIER"),
    ]


def test_a_registration_urc_during_another_command_is_a_urc_but_its_own_answer_is_not():
    both = b'\r\n+CREG: 1,"1A2B","01C3D4E5",7\r\n+CREG: 2,5,"1A2B","01C3D4E5",7\r\nOK\r\n'
    _, events = _run([both], "AT+CREG?")
    assert events[0] == Response("AT+CREG?", ('+CREG: 1,"1A2B","01C3D4E5",7',
                                              '+CREG: 2,5,"1A2B","01C3D4E5",7'), "OK")  # fmt: skip
    _, events = _run([b"\r\n+CREG: 5\r\n\r\n+CSQ: 31,0\r\nOK\r\n"])
    assert events == [Urc("+CREG: 5"), Response("AT+CSQ", ("+CSQ: 31,0",), "OK")]


def test_one_command_at_a_time_and_a_deadline():
    proto = AtProtocol()
    proto.send("AT", now=10.0, timeout=2)
    with pytest.raises(AtError):
        proto.send("AT+CSQ", now=10.5, timeout=2)
    assert proto.deadline == 12.0 and proto.expire(11.9) == []
    assert proto.expire(12.0) == [Timeout("AT")]
    assert not proto.busy and proto.deadline is None
    proto.send("AT+CSQ", now=13.0, timeout=2)  # free again
    assert proto.feed(b"\r\nOK\r\n") == [Response("AT+CSQ", (), "OK")]


def test_the_prompt_of_a_command_with_a_body():
    proto = AtProtocol()
    proto.send("AT+CMGS=23", now=0.0, timeout=10, prompt=True)
    assert proto.feed(b"AT+CMGS=23\r\r\n> ") == [Prompt("AT+CMGS=23")]
    assert proto.body("0011") == b"0011\x1a"
    assert proto.feed(b"\r\n+CMGS: 7\r\n\r\nOK\r\n") == [
        Response("AT+CMGS=23", ("+CMGS: 7",), "OK")
    ]


def test_a_response_never_shows_its_lines():
    assert "452049" not in repr(Response("AT+CIMI", ("452049876543210",), "OK"))


@pytest.mark.parametrize(
    ("rssi", "dbm"), [(0, -113), (1, -111), (15, -83), (31, -51), (99, None), (50, None)]
)
def test_csq_to_dbm(rssi, dbm):
    assert at.parse_csq([f"+CSQ: {rssi},99"]) == dbm


def test_csq_without_a_value():
    assert at.parse_csq([]) is None and at.parse_csq(["+CSQ: "]) is None


@pytest.mark.parametrize(
    ("line", "stat", "state", "registered", "lac"),
    [
        ("+CREG: 0,1", 1, "home", True, ""),  # read form, n=0
        ('+CREG: 2,5,"1A2B","01C3D4E5",7', 5, "roaming", True, "1A2B"),  # read form, n=2
        ("+CREG: 1", 1, "home", True, ""),  # URC, n=1
        ('+CREG: 2,"1A2B","01C3D4E5"', 2, "searching", False, "1A2B"),  # URC, n=2
        ("+CGREG: 0,3", 3, "denied", False, ""),
        ('+CEREG: 2,1,"0B1C","0A1B2C3D",7', 1, "home", True, "0B1C"),
        ("+CEREG: 0,0", 0, "not_registered", False, ""),
        ("+CREG: 0,4", 4, "unknown", False, ""),
    ],
)
def test_registration_in_both_forms(line, stat, state, registered, lac):
    reg = at.parse_registration(line)
    assert (reg.stat, reg.state, reg.registered, reg.lac) == (stat, state, registered, lac)


def test_registration_garbage():
    assert at.parse_registration("+CREG: ") is None and at.parse_registration(None) is None
    assert at.parse_registration("+CREG: 0,x") is None


@pytest.mark.parametrize(
    ("line", "name", "code"),
    [
        ('+COPS: 0,2,"45204",7', "Viettel", "45204"),
        ('+COPS: 0,2,"45202",2', "Vinaphone", "45202"),
        ('+COPS: 0,2,"45201",7', "MobiFone", "45201"),
        ('+COPS: 0,2,"45205",2', "Vietnamobile", "45205"),
        ('+COPS: 0,2,"45207",0', "Gmobile", "45207"),
        ('+COPS: 0,2,"52001",7', "52001", "52001"),  # elsewhere: the code
        ('+COPS: 0,0,"Viettel Mobile",7', "Viettel Mobile", ""),
    ],
)
def test_operator(line, name, code):
    assert at.parse_cops([line]) == at.Operator(name, code)


def test_no_operator():
    assert at.parse_cops(["+COPS: 0"]) is None and at.parse_cops([]) is None


@pytest.mark.parametrize(
    ("lines", "result", "state"),
    [
        (("+CPIN: READY",), "OK", "READY"),
        (("+CPIN: SIM PIN",), "OK", "SIM PIN"),
        (("+CPIN: SIM PUK",), "OK", "SIM PUK"),
        ((), "+CME ERROR: 10", "NOT INSERTED"),
        ((), "+CME ERROR: SIM not inserted", "NOT INSERTED"),
        ((), "+CME ERROR: 13", "SIM FAILURE"),
    ],
)
def test_sim_state(lines, result, state):
    assert at.parse_cpin(Response("AT+CPIN?", lines, result)) == state


def test_identity_and_the_masked_imsi():
    assert at.parse_identity(Response("AT+CGMI", ("huawei",), "OK")) == "huawei"
    assert at.parse_identity(Response("AT+CGMM", ("+CGMM: EC25",), "OK")) == "EC25"
    assert at.parse_identity(Response("AT+CGSN", ("866758040123456",), "OK")) == "866758040123456"
    assert at.parse_identity(Response("AT+CIMI", (), "ERROR")) == ""
    assert at.mask_imsi("452049876543210") == "…3210" and at.mask_imsi("") == ""
