"""Tongdai ("tổng đài", the switchboard): PBX and hotline appliance firmware."""

__version__ = "0.1.0"
