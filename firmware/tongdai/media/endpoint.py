"""The one place pjsua2 is configured: the media engine and test phones both use it.

Facts this encodes (see DESIGN.md, "pjsua2 facts"): one thread only, events
pumped by the caller with libHandleEvents(); the null sound device; explicit
bound/public addresses so nothing but the configured address is advertised;
SRTP, STUN and the DNS resolver off; only the codecs desk phones use.
"""

from __future__ import annotations

import pjsua2 as pj

MAX_CALLS = 512  # the build's PJSUA_MAX_CALLS (config_site.h)
CODECS = ("PCMU/8000/1", "PCMA/8000/1", "G722/16000/1")  # in order of preference


def create(
    sip_port: int,
    *,
    address: str = "127.0.0.1",
    log_level: int = 1,
    codecs: tuple[str, ...] = CODECS,
    clock_rate: int = 16000,
) -> tuple[pj.Endpoint, int]:
    """Start an endpoint with a UDP SIP transport on address:sip_port (0: any free port).
    `clock_rate`: the conference bridge's; a leg at another rate is resampled both ways,
    which costs more than the mixing itself.

    Returns the endpoint and the transport's actual port.
    """
    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    cfg.uaConfig.maxCalls = MAX_CALLS
    cfg.uaConfig.userAgent = "Tongdai-media"
    cfg.logConfig.level = log_level
    cfg.logConfig.consoleLevel = log_level
    cfg.medConfig.noVad = True
    cfg.medConfig.clockRate = cfg.medConfig.sndClockRate = clock_rate
    # The null sound device clocks the conference bridge; closing it when idle leaves
    # removed ports unfreed and, after ~254 calls, media sessions fail (DESIGN.md).
    cfg.medConfig.sndAutoCloseTime = -1
    # Jitter buffer for LAN phones and home agents on consumer internet: adaptive,
    # prefetch 40-240 ms, never more than 500 ms of delay.
    cfg.medConfig.jbMinPre = 40
    cfg.medConfig.jbMaxPre = 240
    cfg.medConfig.jbMax = 500
    ep.libInit(cfg)

    tcfg = pj.TransportConfig()
    tcfg.port = sip_port
    tcfg.boundAddress = address
    tcfg.publicAddress = address
    tid = ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg)
    port = int(ep.transportGetInfo(tid).localName.rsplit(":", 1)[1])
    ep.libStart()
    ep.audDevManager().setNullDev()

    for info in ep.codecEnum2():
        priority = 0
        if info.codecId in codecs:
            priority = 255 - codecs.index(info.codecId)
        ep.codecSetPriority(info.codecId, priority)
    return ep, port


def version() -> str:
    """pjproject's version, read from a short-lived endpoint (before one is running)."""
    ep = pj.Endpoint()
    ep.libCreate()
    try:
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.logConfig.level = 0  # quiet: libDestroy would dump its timer heap
        cfg.logConfig.consoleLevel = 0
        ep.libInit(cfg)
        return ep.libVersion().full
    finally:
        ep.libDestroy()


def account_config(
    id_uri: str,
    *,
    media_address: str,
    rtp_ports: tuple[int, int],
) -> pj.AccountConfig:
    """An account with no registration whose RTP binds and advertises media_address."""
    acfg = pj.AccountConfig()
    acfg.idUri = id_uri
    acfg.regConfig.registerOnAdd = False
    media = acfg.mediaConfig
    media.srtpUse = pj.PJMEDIA_SRTP_DISABLED  # until our SRTP fixes land (DESIGN.md)
    media.srtpSecureSignaling = 0
    media.transportConfig.boundAddress = media_address
    media.transportConfig.publicAddress = media_address
    media.transportConfig.port = rtp_ports[0]
    media.transportConfig.portRange = rtp_ports[1] - rtp_ports[0]
    acfg.natConfig.iceEnabled = False
    acfg.natConfig.turnEnabled = False
    acfg.natConfig.sdpNatRewriteUse = 0
    acfg.natConfig.viaRewriteUse = 0
    acfg.natConfig.contactRewriteUse = 0
    return acfg
