"""Mobile networks by MCC+MNC (ITU-T E.212), for a modem that names its operator by code.

The Vietnamese networks (MCC 452), as listed in public MCC/MNC tables (Android RIL's
plmn_list from Wikipedia's "Mobile country code"). 45208 was EVNTelecom's 3G and is given
to other operators in later lists, so it is not named: unnamed codes show as the code.
"""

from __future__ import annotations

NAMES = {
    "45201": "MobiFone",
    "45202": "Vinaphone",
    "45204": "Viettel",
    "45205": "Vietnamobile",
    "45207": "Gmobile",
}


def name(code: str) -> str:
    return NAMES.get(code, code)
