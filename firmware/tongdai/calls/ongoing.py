"""The calls in progress, as a supervisor sees them: the switch's live legs grouped
into calls.

Legs belong together when one was dialled for the other (`Channel.linked`: an agent's
leg for a queue caller, a supervisor's leg for the call it listens to) or when they
talk in one conversation (`Switch.talks`, which also joins the parties of a transfer).
A call is named after its oldest leg, usually the caller's, so its id stays the same
from the first ring to the hang-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from tongdai.calls.switch import Channel, Switch


@dataclass
class Call:
    id: str
    legs: list[Channel]  # oldest first: legs[0] is the caller's
    talk: object | None  # the conversation (calls.talk.Talk), if the parties talk

    @property
    def started(self) -> float:
        return self.legs[0].created

    @property
    def answered(self) -> Channel | None:
        """The leg that answered the call (the agent's): whom a snoop listens to."""
        return self.talk.b if self.talk is not None and self.talk.b.alive else None


def calls(switch: Switch) -> list[Call]:
    """Every call with a live leg, oldest first."""
    legs = [c for c in switch.channels.values() if c.alive]
    parent: dict[str, str] = {c.id: c.id for c in legs}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join(a: Channel, b: Channel) -> None:
        if a.id in parent and b.id in parent:
            parent[root(a.id)] = root(b.id)

    for leg in legs:
        if leg.linked is not None:
            join(leg, leg.linked)
        talk = switch.talks.get(leg.id)
        if talk is not None:
            join(talk.a, talk.b)
    groups: dict[str, list[Channel]] = {}
    for leg in legs:
        groups.setdefault(root(leg.id), []).append(leg)
    out = []
    for members in groups.values():
        members.sort(key=lambda c: c.created)
        talk = next((switch.talks[c.id] for c in members if c.id in switch.talks), None)
        out.append(Call(members[0].id, members, talk))
    out.sort(key=lambda call: call.started)
    return out


def find(switch: Switch, call_id: str) -> Call | None:
    return next((call for call in calls(switch) if call.id == call_id), None)
