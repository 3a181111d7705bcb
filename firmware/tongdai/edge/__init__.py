"""The SIP edge: the only SIP address phones and trunks see (registrar, auth, proxy, bans)."""
