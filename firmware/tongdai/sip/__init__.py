"""Sans-I/O SIP: messages, URIs, header fields, digest auth, transactions, stream framing.

Bytes and the current time go in; messages, events and bytes come out. No
sockets, no asyncio, nothing else of Tongdai is imported here.
"""

from tongdai.sip.errors import SipError
from tongdai.sip.fields import NameAddr, Via, parse_credentials, parse_name_addr, parse_via
from tongdai.sip.headers import Headers
from tongdai.sip.message import Request, Response, make_response, parse
from tongdai.sip.uri import AbsoluteUri, SipUri, parse_uri

__all__ = [
    "AbsoluteUri",
    "Headers",
    "NameAddr",
    "Request",
    "Response",
    "SipError",
    "SipUri",
    "Via",
    "make_response",
    "parse",
    "parse_credentials",
    "parse_name_addr",
    "parse_uri",
    "parse_via",
]
