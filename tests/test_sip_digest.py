"""Digest authentication: RFC 7616 vectors, stateless nonces, stale, nonce-count replay."""

from __future__ import annotations

import pytest
from tongdai.sip.digest import DigestServer, Outcome, authorization, pick_challenge, response_for
from tongdai.sip.fields import parse_credentials

PASSWORDS = {"101": "correct horse battery", "102": "other secret 123"}


@pytest.mark.parametrize(
    "algorithm, expected",
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_rfc7616_section_3_9_1_vectors(algorithm, expected):
    assert (
        response_for(
            algorithm,
            "Mufasa",
            "http-auth@example.org",
            "Circle of Life",
            "GET",
            "/dir/index.html",
            "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            "00000001",
            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        )
        == expected
    )


def answer(server, now, user="101", password=None, *, algorithm="MD5", nc=1, method="REGISTER"):
    challenges = [parse_credentials(v)[1] for v in server.challenges(now)]
    challenge = next(c for c in challenges if c["algorithm"] == algorithm)
    password = PASSWORDS[user] if password is None else password
    value = authorization(challenge, method, "sip:pbx", user, password, nc=nc)
    return parse_credentials(value)[1]


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_right_password_passes_with_either_algorithm(algorithm):
    server = DigestServer("tongdai", algorithms=("SHA-256", "MD5"))
    verdict = server.verify(
        answer(server, 1000.0, algorithm=algorithm), "REGISTER", 1000.5, PASSWORDS.get
    )
    assert verdict.outcome is Outcome.OK and verdict.username == "101"


def test_challenges_list_every_algorithm_in_preference_order():
    server = DigestServer("tongdai", algorithms=("SHA-256", "MD5"))
    challenges = [parse_credentials(v)[1] for v in server.challenges(0.0)]
    assert [c["algorithm"] for c in challenges] == ["SHA-256", "MD5"]
    assert all(c["qop"] == "auth" and c["realm"] == "tongdai" for c in challenges)
    assert pick_challenge([{"algorithm": "SHA-512-256"}, *challenges])["algorithm"] == "SHA-256"


def test_wrong_password_and_unknown_user_get_the_same_verdict():
    server = DigestServer("tongdai")
    wrong = server.verify(answer(server, 0, password="guess"), "REGISTER", 0, PASSWORDS.get)
    nobody = server.verify(answer(server, 0, user="101", password="x") | {"username": "999"},
                           "REGISTER", 0, PASSWORDS.get)  # fmt: skip
    assert wrong.outcome is nobody.outcome is Outcome.FAILED


def test_answer_for_another_method_fails():
    server = DigestServer("tongdai")
    creds = answer(server, 0, method="INVITE")
    assert server.verify(creds, "REGISTER", 0, PASSWORDS.get).outcome is Outcome.FAILED


def test_expired_nonce_is_stale_and_forged_nonce_is_ignored():
    server = DigestServer("tongdai", nonce_ttl=30)
    creds = answer(server, 0)
    assert server.verify(creds, "REGISTER", 31, PASSWORDS.get).outcome is Outcome.STALE
    other = DigestServer("tongdai")  # another key: as after a restart
    assert other.verify(creds, "REGISTER", 1, PASSWORDS.get).outcome is Outcome.MISSING
    forged = dict(creds, nonce=creds["nonce"][:-4] + "AAAA")
    assert server.verify(forged, "REGISTER", 1, PASSWORDS.get).outcome is Outcome.MISSING


def test_nonce_count_must_grow():
    server = DigestServer("tongdai")
    nonce_time = 5.0
    first = answer(server, nonce_time, nc=1)
    assert server.verify(first, "REGISTER", 6, PASSWORDS.get).outcome is Outcome.OK
    assert server.verify(first, "REGISTER", 7, PASSWORDS.get).outcome is Outcome.STALE  # replay
    second = dict(first)
    value = authorization(
        {"realm": "tongdai", "nonce": first["nonce"], "qop": "auth", "algorithm": "MD5"},
        "REGISTER", "sip:pbx", "101", PASSWORDS["101"], nc=2,
    )  # fmt: skip
    second = parse_credentials(value)[1]
    assert server.verify(second, "REGISTER", 8, PASSWORDS.get).outcome is Outcome.OK


def test_missing_or_foreign_credentials_mean_challenge():
    server = DigestServer("tongdai")
    assert server.verify(None, "REGISTER", 0, PASSWORDS.get).outcome is Outcome.MISSING
    creds = answer(server, 0)
    assert (
        server.verify(dict(creds, realm="other"), "REGISTER", 0, PASSWORDS.get).outcome
        is Outcome.MISSING
    )
    no_qop = {k: v for k, v in creds.items() if k != "qop"}
    assert server.verify(no_qop, "REGISTER", 0, PASSWORDS.get).outcome is Outcome.MISSING


def test_tracked_nonces_stay_bounded():
    server = DigestServer("tongdai", max_tracked=50)
    for i in range(200):
        assert server.verify(answer(server, i), "REGISTER", i, PASSWORDS.get).outcome is Outcome.OK
    assert len(server._counts) <= 50
