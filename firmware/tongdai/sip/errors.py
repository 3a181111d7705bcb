"""The one error type of the SIP core."""


class SipError(ValueError):
    """A message we cannot accept.

    `status` is the response a server answers with (400 unless the problem
    has its own code, such as 505 or 420); `reason` names the problem and is
    used as the reason phrase, so it stays short and single-line. `message`
    is the partly parsed message when enough of it was read to answer.
    """

    def __init__(self, reason: str, status: int = 400, message=None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.message = message
