/*
 * Tongdai's pjproject configuration: a PBX media engine, not a softphone.
 * pjproject's defaults hold 4 calls per process, a 64-handle I/O queue and
 * 32 players/recorders; these values hold a few hundred calls per process.
 */
#include <pj/config_site_sample.h>

/* Calls and media ports: every call leg, player, recorder and snoop is a
 * conference port, so the bridge needs a few per call. */
#define PJSUA_MAX_CALLS                 512
#define PJSUA_MAX_PLAYERS               512
#define PJSUA_MAX_RECORDERS             512
#define PJSUA_MAX_CONF_PORTS            2048
#define PJSUA_MAX_ACC                   256  /* pooled caller identities (media/legs.py) */
/* At most 4 m= lines per SDP, as the edge allows (edge/bouncer.py MAX_MEDIA). The
 * default 16 sizes every call slot for 16 streams: 155 KB a call, 79 MB for 512
 * calls, allocated at start; with 4, about a quarter of that. */
#define PJMEDIA_MAX_SDP_MEDIA           4

/* epoll ioqueues, each with its keys allocated up front (about 560 bytes a key):
 * the media endpoint's holds the RTP and RTCP sockets, two per call (1,024 at most);
 * the SIP endpoint's holds only its transports (one UDP socket towards the edge). */
#define PJ_IOQUEUE_MAX_HANDLES          2048
#define PJSIP_MAX_TRANSPORTS            64
/* Hash table sizes, not limits. They also size the timer heap made at start
 * (2 x (transactions + dialogs) entries, each ~200 bytes with PJ_TIMER_DEBUG), which
 * grows when it must: 8192 each cost 5 MB at start for a heap that never held more
 * than a few hundred timers. */
#define PJSIP_MAX_TSX_COUNT             1024
#define PJSIP_MAX_DIALOG_COUNT          1024
#define PJ_TIMER_DEBUG                  0

/* Audio only. */
#define PJMEDIA_HAS_VIDEO               0

/* SRTP is compiled (external libsrtp2) but every account keeps it disabled
 * until our fixes for CVE-2026-57162 and CVE-2023-38703 land. */
#define PJMEDIA_HAS_SRTP                1
#define PJMEDIA_SRTP_HAS_DTLS           0

/* SIP TLS is the Python edge's job; pjsua2 only talks to 127.0.0.1. */
#define PJ_HAS_SSL_SOCK                 0

/* No DNS resolver is configured (no nameserver), so the resolver code that
 * carried CVE-2023-27585 is never fed a packet; keep local resolution off. */
#define PJ_GETHOSTIP_DISABLE_LOCAL_RESOLUTION 1

/* A larger SIP packet budget for INVITEs with long SDP from trunks. */
#define PJSIP_MAX_PKT_LEN               8000

/* pjlib logs to stdout, which the supervisor relays into our log; compile
 * out its debug chatter (level 4+: one line per call slot at start-up). */
#define PJ_LOG_MAX_LEVEL                3
