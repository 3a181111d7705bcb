"""Transactions with an injected clock: retransmissions absorbed, timers fire, state is bounded."""

from __future__ import annotations

from tongdai.sip.transaction import T1, T2, T4, ClientTransactions, ServerTransactions


def test_non_invite_retransmission_gets_the_stored_response_until_timer_j():
    tsx = ServerTransactions()
    key = ("z9hG4bK1", "host", 5060, "REGISTER")
    assert tsx.receive(key, "REGISTER", 0.0) == ("new", None)
    tsx.begin(key, 0.0)
    assert tsx.receive(key, "REGISTER", 0.1) == ("absorb", None)
    tsx.respond(key, "REGISTER", b"200", "flow", False, 0.2)
    assert tsx.receive(key, "REGISTER", 1.0) == ("resend", (b"200", "flow"))
    tsx.expire(0.2 + 64 * T1 - 0.01)
    assert tsx.receive(key, "REGISTER", 32.0)[0] == "resend"
    tsx.expire(0.2 + 64 * T1)
    assert tsx.receive(key, "REGISTER", 33.0) == ("new", None)
    assert len(tsx) == 0


def test_reliable_transport_keeps_nothing():
    tsx = ServerTransactions()
    tsx.respond(("b", "h", 1, "OPTIONS"), "OPTIONS", b"200", "conn", True, 0.0)
    assert len(tsx) == 0


def test_invite_final_is_retransmitted_until_ack_and_the_ack_is_absorbed():
    tsx = ServerTransactions()
    key = ("z9hG4bK2", "h", None, "INVITE")
    tsx.respond(key, "INVITE", b"407", "flow", False, 0.0)
    sent = []
    now = 0.0
    while now < 3.0:
        now = tsx.next_deadline()
        sent += [now for _ in tsx.expire(now)]
    assert sent[:3] == [T1, T1 + 2 * T1, T1 + 2 * T1 + 4 * T1]  # Timer G doubles
    assert tsx.receive(key, "INVITE", now) == ("resend", (b"407", "flow"))
    assert tsx.receive(key, "ACK", now) == ("absorb", None)
    assert tsx.expire(now + T2) == []  # no more retransmissions once confirmed
    assert tsx.receive(key, "ACK", now + 1) == ("absorb", None)  # Timer I absorbs copies
    tsx.expire(now + T4 + 0.01)
    assert tsx.receive(key, "ACK", now + T4 + 0.02) == ("ack", None)


def test_invite_without_ack_gives_up_at_timer_h():
    tsx = ServerTransactions()
    key = ("z9hG4bK3", "h", None, "INVITE")
    tsx.respond(key, "INVITE", b"400", "flow", False, 0.0)
    count = 0
    while (deadline := tsx.next_deadline()) is not None:
        count += len(tsx.expire(deadline))
    assert deadline is None and len(tsx) == 0
    assert 8 <= count <= 12  # T1..T2 doublings over 64*T1


def test_done_table_is_bounded():
    tsx = ServerTransactions(max_entries=100)
    for i in range(1000):
        tsx.respond((str(i),), "REGISTER", b"x", "f", False, 0.0)
    assert len(tsx) == 100


def test_client_transaction_retransmits_then_times_out():
    ct = ClientTransactions()
    t = ct.start("z9hG4bKq", "OPTIONS", b"OPTIONS", "flow", reliable=False, now=0.0, timeout=5.0)
    resent, timed_out = [], []
    while (deadline := ct.next_deadline()) is not None:
        r, to = ct.expire(deadline)
        resent += [deadline for _ in r]
        timed_out += to
    assert resent == [0.5, 1.5, 3.5]
    assert timed_out == [t]


def test_client_transaction_completes_on_final_response():
    from tongdai.sip.message import Response

    ct = ClientTransactions()
    t = ct.start("z9hG4bKr", "OPTIONS", b"x", "flow", reliable=False, now=0.0, owner="me")
    assert ct.receive(Response(100), "z9hG4bKr", "OPTIONS") is None
    done = ct.receive(Response(200), "z9hG4bKr", "OPTIONS")
    assert done is t and done.owner == "me" and len(ct) == 0
    assert ct.expire(100.0) == ([], [])
