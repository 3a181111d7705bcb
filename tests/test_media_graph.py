"""Who hears whom: the connections the media engine derives from its objects."""

from tongdai.media.graph import Bridge, Graph, Playback, Recording, Snoop, diff

ALL = {"a", "b", "c", "s", "p1", "r1"}


def two_party() -> Graph:
    g = Graph()
    g.bridges["b1"] = Bridge(["a", "b"])
    return g


def test_a_bridge_joins_its_members_both_ways_and_only_live_ones():
    g = two_party()
    assert g.wanted(ALL) == {("a", "b"), ("b", "a")}
    assert g.wanted(ALL - {"b"}) == set()  # b has no media yet: nothing to connect


def test_three_members_hear_each_other():
    g = Graph()
    g.bridges["b1"] = Bridge(["a", "b", "c"])
    assert len(g.wanted(ALL)) == 6


def test_playbacks_to_a_channel_or_to_a_whole_bridge():
    g = two_party()
    g.playbacks["p1"] = Playback("p1", "a")
    assert ("p1", "a") in g.wanted(ALL) and ("p1", "b") not in g.wanted(ALL)
    g.playbacks["p1"] = Playback("p1", "b1")
    assert {("p1", "a"), ("p1", "b")} <= g.wanted(ALL)


def test_recordings_mixed_or_one_direction():
    g = two_party()
    g.recordings["r1"] = Recording("r1", "a", mix=True)
    assert {("a", "r1"), ("b", "r1")} <= g.wanted(ALL)
    g.recordings["r1"] = Recording("r1", "a", mix=False)
    assert ("b", "r1") not in g.wanted(ALL) and ("a", "r1") in g.wanted(ALL)
    g.recordings["r1"] = Recording("r1", "b1")
    assert {("a", "r1"), ("b", "r1")} <= g.wanted(ALL)


def test_snoop_modes():
    g = two_party()
    g.snoops["s1"] = Snoop("s", "a", "listen")
    edges = g.wanted(ALL)
    assert {("a", "s"), ("b", "s")} <= edges
    assert not any(src == "s" for src, _ in edges)  # nobody hears a listener
    g.snoops["s1"].mode = "whisper"
    edges = g.wanted(ALL)
    assert ("s", "a") in edges and ("s", "b") not in edges  # only the agent hears it
    g.snoops["s1"].mode = "barge"
    assert {("s", "a"), ("s", "b")} <= g.wanted(ALL)


def test_a_snoop_follows_its_target_into_another_bridge():
    g = two_party()
    g.snoops["s1"] = Snoop("s", "a")
    g.bridges["b1"].members.remove("a")
    g.bridges["b2"] = Bridge(["a", "c"])
    assert {("a", "s"), ("c", "s")} <= g.wanted(ALL) and ("b", "s") not in g.wanted(ALL)


def test_a_channel_that_goes_takes_its_objects_with_it():
    g = two_party()
    g.playbacks["p1"] = Playback("p1", "a")
    g.recordings["r1"] = Recording("r1", "b1")
    g.snoops["s1"] = Snoop("s", "a")
    ended = g.drop_channel("a")
    assert sorted(ended) == [("playback", "p1"), ("snoop", "s1")]
    assert g.bridges["b1"].members == ["b"]
    assert g.wanted(ALL) == {("b", "r1")}


def test_diff_starts_what_is_new_and_stops_what_is_gone():
    start, stop = diff({("a", "b"), ("b", "a")}, {("a", "b"), ("p1", "a")})
    assert start == {("p1", "a")} and stop == {("b", "a")}
