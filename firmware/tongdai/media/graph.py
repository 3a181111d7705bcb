"""Who hears whom: the conference-bridge connections the engine's objects ask for.

The media engine keeps bridges, playbacks, recordings and snoops as plain data here
and asks `wanted()` for the full set of (source, sink) connections after every
change; `diff()` against what is applied says what to start and stop. Deriving the
connections from the objects (instead of patching them by hand on each command)
keeps a snoop right when its target moves between bridges, and a leg that drops
out of a bridge or loses its media takes all of its connections with it.

Pure data, no pjsua2: node names are strings ("c3" a channel, "p7" a player or tone,
"r2" a recorder) and the engine maps them to conference ports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SNOOP_MODES = ("listen", "whisper", "barge")


@dataclass
class Bridge:
    members: list[str] = field(default_factory=list)  # channel ids, in joining order


@dataclass
class Playback:
    source: str  # the player or tone generator node
    target: str  # a channel id or a bridge id


@dataclass
class Recording:
    sink: str  # the recorder node
    target: str  # a channel id or a bridge id
    mix: bool = True  # a channel's recording: also what it hears, not only what it says


@dataclass
class Snoop:
    spy: str  # the supervisor's channel
    target: str  # the channel listened to
    mode: str = "listen"


class Graph:
    def __init__(self) -> None:
        self.bridges: dict[str, Bridge] = {}
        self.playbacks: dict[str, Playback] = {}
        self.recordings: dict[str, Recording] = {}
        self.snoops: dict[str, Snoop] = {}

    def bridge_of(self, channel: str) -> str | None:
        for bridge_id, bridge in self.bridges.items():
            if channel in bridge.members:
                return bridge_id
        return None

    def drop_channel(self, channel: str) -> list[tuple[str, str]]:
        """A channel has gone: remove it everywhere. Returns (kind, id) of the objects that
        ended with it: playbacks and recordings of it, snoops on it or by it."""
        for bridge in self.bridges.values():
            if channel in bridge.members:
                bridge.members.remove(channel)
        ended = [("playback", k) for k, p in self.playbacks.items() if p.target == channel]
        ended += [("recording", k) for k, r in self.recordings.items() if r.target == channel]
        ended += [("snoop", k) for k, s in self.snoops.items() if channel in (s.spy, s.target)]
        for kind, key in ended:
            getattr(self, kind + "s").pop(key)
        return ended

    def _peers(self, channel: str) -> list[str]:
        bridge_id = self.bridge_of(channel)
        if bridge_id is None:
            return []
        return [m for m in self.bridges[bridge_id].members if m != channel]

    def _audience(self, target: str) -> list[str]:
        """The channels a playback to target is heard by."""
        if target in self.bridges:
            return list(self.bridges[target].members)
        return [target]

    def wanted(self, live: set[str]) -> set[tuple[str, str]]:
        """Every (source, sink) connection, among nodes that have media now (`live`).

        Players, tone generators and recorders are always live; a channel is live while
        its call has active audio.
        """
        edges: set[tuple[str, str]] = set()
        spies = {s.spy for s in self.snoops.values()}
        for bridge in self.bridges.values():
            for a in bridge.members:
                for b in bridge.members:
                    # A spy that also sits in a bridge is still only heard through its snoop.
                    if a != b and a not in spies:
                        edges.add((a, b))
        for playback in self.playbacks.values():
            for channel in self._audience(playback.target):
                edges.add((playback.source, channel))
        for rec in self.recordings.values():
            if rec.target in self.bridges:
                sources = list(self.bridges[rec.target].members)
                sources += [p.source for p in self.playbacks.values() if p.target == rec.target]
            else:
                sources = [rec.target]
                if rec.mix:
                    sources += self._peers(rec.target)
                    sources += [p.source for p in self.playbacks.values() if p.target == rec.target]
            edges.update((source, rec.sink) for source in sources)
        for snoop in self.snoops.values():
            heard = [snoop.target, *self._peers(snoop.target)]
            edges.update((source, snoop.spy) for source in heard if source != snoop.spy)
            if snoop.mode == "whisper":
                edges.add((snoop.spy, snoop.target))
            elif snoop.mode == "barge":
                edges.update((snoop.spy, c) for c in heard if c != snoop.spy)
        return {(a, b) for a, b in edges if a in live and b in live}


def diff(
    applied: set[tuple[str, str]], wanted: set[tuple[str, str]]
) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """What to start and what to stop to go from applied to wanted."""
    return wanted - applied, applied - wanted
