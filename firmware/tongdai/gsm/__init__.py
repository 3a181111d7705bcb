"""USB GSM/LTE modems: the sans-I/O AT protocol (`at`), the asyncio driver (`modem`)."""
