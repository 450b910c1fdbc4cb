"""IdFactory determinism and the Clock (frozen and wall-clock)."""

from __future__ import annotations

import re

import pytest

from tofupay_fake.clock import DEFAULT_START, Clock
from tofupay_fake.ids import IdFactory

# -- IdFactory ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "length"),
    [("cus", 14), ("card", 24), ("tok", 24), ("req", 14), ("evt", 24)],
)
def test_id_shape(prefix: str, length: int) -> None:
    ids = IdFactory(0)
    made = [ids.new(prefix) for _ in range(50)]
    pattern = re.compile(rf"{prefix}_[0-9A-Za-z]{{{length}}}")
    assert all(pattern.fullmatch(ident) for ident in made), made
    assert len(set(made)) == 50


@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_same_seed_same_sequence(seed: int) -> None:
    first, second = IdFactory(seed), IdFactory(seed)
    sequence = ["cus", "card", "cus", "tok", "req", "evt", "cus"]
    assert [first.new(p) for p in sequence] == [second.new(p) for p in sequence]


def test_seed_zero_ids_are_pinned() -> None:
    # Golden values: ids must not depend on the process (hash randomisation, etc.).
    # Changing them changes the ids every user's recorded tests see.
    ids = IdFactory(0)
    assert [ids.new("cus"), ids.new("cus")] == ["cus_YLmaFOIr9UBBNm", "cus_XXbYaSV8sK8AI0"]
    assert ids.new("card") == "card_3VVkuIZd9V2bsbCNml4Spxcm"
    assert IdFactory(1).new("cus") == "cus_V2IvxNRgFpddM6"


@pytest.mark.parametrize("prefix", ["cus", "card", "tok", "req", "evt"])
def test_different_seeds_differ(prefix: str) -> None:
    a, b = IdFactory(0), IdFactory(1)
    assert [a.new(prefix) for _ in range(3)] != [b.new(prefix) for _ in range(3)]


def test_prefix_streams_are_independent() -> None:
    plain = IdFactory(7)
    busy = IdFactory(7)
    for _ in range(25):
        busy.new("req")
        busy.new("evt")
    busy.new("card")
    assert [busy.new("cus") for _ in range(3)] == [plain.new("cus") for _ in range(3)]
    assert busy.new("tok") == plain.new("tok")


def test_prefixes_do_not_share_a_stream() -> None:
    ids = IdFactory(0)
    assert ids.new("cus")[4:] != ids.new("req")[4:]


def test_reset_restarts_every_stream() -> None:
    ids = IdFactory(3)
    before = [ids.new("cus"), ids.new("card"), ids.new("req")]
    ids.new("cus")
    ids.reset()
    assert [ids.new("cus"), ids.new("card"), ids.new("req")] == before


def test_unknown_prefix_is_rejected() -> None:
    with pytest.raises(KeyError):
        IdFactory(0).new("xyz")


# -- Clock: frozen -----------------------------------------------------------


def test_default_start_is_the_seed_created() -> None:
    assert DEFAULT_START == 1421056271
    clock = Clock()
    assert clock.frozen is True
    assert clock.now() == 1421056271


def test_tick_returns_now_then_moves_one_second() -> None:
    clock = Clock()
    assert [clock.tick(), clock.tick(), clock.tick()] == [1421056271, 1421056272, 1421056273]
    assert clock.now() == 1421056274


def test_now_does_not_move_the_clock() -> None:
    clock = Clock(start=100)
    assert [clock.now(), clock.now()] == [100, 100]


def test_custom_start_and_tick() -> None:
    clock = Clock(start=1000, tick=5)
    assert [clock.tick(), clock.tick()] == [1000, 1005]
    assert clock.now() == 1010


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [pytest.param(0, 1000, id="zero"), pytest.param(1, 1001, id="one"), (86400, 87400)],
)
def test_advance(seconds: int, expected: int) -> None:
    clock = Clock(start=1000)
    assert clock.advance(seconds) == expected
    assert clock.now() == expected
    assert clock.tick() == expected


def test_advance_accumulates_with_ticks() -> None:
    clock = Clock(start=1000)
    clock.tick()
    clock.advance(60)
    assert clock.tick() == 1061


@pytest.mark.parametrize(
    "seconds",
    [
        pytest.param(-1, id="negative"),
        pytest.param(1.5, id="float"),
        pytest.param(1.0, id="whole-float"),
        pytest.param("10", id="string"),
        pytest.param(True, id="bool"),
        pytest.param(None, id="none"),
    ],
)
def test_advance_rejects(seconds: object) -> None:
    clock = Clock(start=1000)
    with pytest.raises(ValueError, match=r"advance\(\) takes a whole number of seconds >= 0"):
        clock.advance(seconds)  # type: ignore[arg-type]
    assert clock.now() == 1000


def test_reset_frozen() -> None:
    clock = Clock(start=500)
    clock.tick()
    clock.advance(100)
    clock.reset()
    assert clock.now() == 500
    assert clock.tick() == 500


# -- Clock: wall time --------------------------------------------------------


class FakeTime:
    """A controllable time source, standing in for ``time.time``."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_wall_clock_reads_the_source() -> None:
    source = FakeTime(1_700_000_000.9)
    clock = Clock(source=source)
    assert clock.frozen is False
    assert clock.now() == 1_700_000_000
    source.now = 1_700_000_050.2
    assert clock.now() == 1_700_000_050


def test_wall_clock_tick_does_not_add_seconds() -> None:
    clock = Clock(source=FakeTime(2000.0))
    assert [clock.tick(), clock.tick(), clock.now()] == [2000, 2000, 2000]


def test_wall_clock_advance_is_an_offset() -> None:
    source = FakeTime(2000.0)
    clock = Clock(source=source)
    assert clock.advance(30) == 2030
    source.now = 2100.0
    assert clock.now() == 2130
    assert clock.tick() == 2130
    clock.advance(5)
    assert clock.now() == 2135


def test_wall_clock_reset_drops_the_offset() -> None:
    clock = Clock(source=FakeTime(2000.0))
    clock.advance(30)
    clock.reset()
    assert clock.now() == 2000


def test_repr() -> None:
    assert repr(Clock(start=10)) == "<Clock frozen now=10>"
    assert repr(Clock(source=FakeTime(20.0))) == "<Clock wall now=20>"
