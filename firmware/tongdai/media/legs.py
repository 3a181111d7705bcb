"""Call legs (channels) and the accounts they are made on, inside the media engine.

A channel is one pjsua2 `Call`. Its callbacks only report to the engine (`Engine.leg_*`
methods), which turns them into protocol events; nothing here decides anything.

Accounts: the engine's own account answers every INVITE the edge relays. Outgoing
legs are made on an account whose ID URI is the caller identity the callee should
see (pjsua2 2.12 takes the From header from the account), so accounts are pooled by
identity and deleted when their last leg ends and the pool is full. Every account
sends initial requests to the edge (outbound proxy); in-dialog requests follow the
Record-Route set the edge put in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pjsua2 as pj

from tongdai.media import endpoint

if TYPE_CHECKING:
    from tongdai.media.engine import Engine

# pjsua2 call states, by name, for the protocol
STATES = {
    pj.PJSIP_INV_STATE_NULL: "null",
    pj.PJSIP_INV_STATE_CALLING: "calling",
    pj.PJSIP_INV_STATE_INCOMING: "incoming",
    pj.PJSIP_INV_STATE_EARLY: "early",
    pj.PJSIP_INV_STATE_CONNECTING: "connecting",
    pj.PJSIP_INV_STATE_CONFIRMED: "answered",
    pj.PJSIP_INV_STATE_DISCONNECTED: "hungup",
}
DTMF_METHODS = {pj.PJSUA_DTMF_METHOD_RFC2833: "rfc4733", pj.PJSUA_DTMF_METHOD_SIP_INFO: "info"}


class Leg(pj.Call):
    """One channel. The engine holds it (by channel id) until DISCONNECTED, then drops it."""

    def __init__(self, engine: Engine, account: pj.Account, channel: str, call_id: int = -1):
        if call_id < 0:
            super().__init__(account)
        else:
            super().__init__(account, call_id)
        self.engine = engine
        self.account = account
        self.channel = channel
        self.state = "null"
        self.media = "down"  # down | up | hold (the far end put us on hold)
        self.hung_up_locally = False
        self.rtp = (0, 0)  # RTP packets received and lost, as last sampled

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        info = self.getInfo()
        state = STATES.get(info.state, "null")
        if state == self.state:
            return
        self.state = state
        if state == "hungup":
            self.engine.leg_ended(self, info.lastStatusCode, info.lastReason)
        else:
            self.engine.leg_state(self, state, info.lastStatusCode, info.callIdString)

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        # Keep the CallInfo: iterating `self.getInfo().media` directly reads a vector
        # the freed temporary owned (SWIG), and statuses come out as garbage.
        info = self.getInfo()
        statuses = {mi.status for mi in info.media if mi.type == pj.PJMEDIA_TYPE_AUDIO}
        if pj.PJSUA_CALL_MEDIA_ACTIVE in statuses:
            media = "up"
        elif statuses & {pj.PJSUA_CALL_MEDIA_REMOTE_HOLD, pj.PJSUA_CALL_MEDIA_LOCAL_HOLD}:
            media = "hold"
        else:
            media = "down"
        if media != self.media:
            self.media = media
            self.engine.leg_media(self)

    def sample_rtp(self) -> tuple[int, int]:
        """RTP packets received and lost so far (RTCP receiver figures), kept for when
        the leg is gone."""
        if self.media != "down":
            try:
                stat = self.getStreamStat(0)  # kept: its members are views into it
                rx = stat.rtcp.rxStat
                self.rtp = (rx.pkt, rx.loss)
            except pj.Error:
                pass
        return self.rtp

    def audio(self) -> pj.AudioMedia | None:
        """The call's conference-bridge port while it has audio, else None."""
        if self.media == "down":
            return None
        try:
            return self.getAudioMedia(-1)
        except pj.Error:
            return None

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        self.engine.leg_dtmf(self, prm.digit, DTMF_METHODS.get(prm.method, "rfc4733"))

    def onCallTransferRequest(self, prm: pj.OnCallTransferRequestParam) -> None:
        # Transfers are the main process's to do (through the dialplan and its
        # permission classes). 200 means: accept the REFER but place no call
        # (patches/0003 in image/pjsua2; stock pjsua2 dials the target itself).
        prm.statusCode = 200
        self.engine.leg_transfer(self, prm.dstUri)


class Accounts:
    """The engine's accounts: one default, plus one per outgoing caller identity."""

    def __init__(
        self,
        host: str,
        proxy: str,
        media_address: str,
        rtp_ports: tuple[int, int],
        limit: int,
    ) -> None:
        self.host = host
        self.proxy = proxy
        self.media_address = media_address
        self.rtp_ports = rtp_ports
        self.limit = limit
        self.by_identity: dict[tuple, pj.Account] = {}
        self.users: dict[int, int] = {}  # id(account) -> live legs
        self.default = self._create(f"<sip:tongdai@{host}>", None, Incoming())

    def _create(self, id_uri: str, auth: dict | None, account: pj.Account | None = None):
        acfg = endpoint.account_config(
            id_uri, media_address=self.media_address, rtp_ports=self.rtp_ports
        )
        acfg.sipConfig.proxies.append(self.proxy)
        if auth:
            acfg.sipConfig.authCreds.append(
                pj.AuthCredInfo("digest", auth.get("realm") or "*", auth["username"], 0,
                                auth["password"])
            )  # fmt: skip
        account = account or pj.Account()
        account.create(acfg, True)
        self.users[id(account)] = 0
        return account

    def for_caller(self, id_uri: str | None, auth: dict | None) -> pj.Account:
        if id_uri is None and auth is None:
            return self.default
        id_uri = id_uri or f"<sip:tongdai@{self.host}>"
        key = (id_uri, tuple(sorted((auth or {}).items())))
        account = self.by_identity.get(key)
        if account is None:
            if len(self.by_identity) >= self.limit:
                self._evict()
            account = self._create(id_uri, auth)
            self.by_identity[key] = account
        return account

    def _evict(self) -> None:
        for key, account in list(self.by_identity.items()):
            if self.users.get(id(account)) == 0:
                del self.by_identity[key]
                del self.users[id(account)]
                account.shutdown()
                return
        raise RuntimeError("too many distinct caller identities in use at once")

    def hold(self, account: pj.Account) -> None:
        self.users[id(account)] = self.users.get(id(account), 0) + 1

    def release(self, account: pj.Account) -> None:
        if id(account) in self.users:
            self.users[id(account)] -= 1

    def shutdown(self) -> None:
        for account in [*self.by_identity.values(), self.default]:
            account.shutdown()
        self.by_identity.clear()
        self.users.clear()


class Incoming(pj.Account):
    """The default account: every INVITE relayed by the edge arrives here."""

    def __init__(self) -> None:
        super().__init__()
        self.engine: Engine | None = None

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        if self.engine is not None:
            self.engine.incoming(self, prm.callId, prm.rdata.wholeMsg)


class Player(pj.AudioMediaPlayer):
    """A file or playlist player that reports its end (dropped by the engine later,
    never inside this callback)."""

    def __init__(self, engine: Engine, playback: str) -> None:
        super().__init__()
        self.engine = engine
        self.playback = playback

    def onEof2(self) -> None:
        # Only noted here: this callback can run without the GIL held (a crash when its
        # Python released it, in socket I/O: measured), so the engine's loop ends the
        # playback after libHandleEvents returns.
        self.engine.eofs.append(self.playback)
