"""The optimizer against brute force: on small random cases (a few centers, a few premises,
some divisible, a distance limit) no assignment covers more missing area, and none covering as
much is shorter in total. Pure: no database."""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianxin.resources import matching as m

BASE = (39.12, 117.22)


def brute_force(needs, offers, max_distance):
    """Every assignment (each center: nothing or one candidate; a non-divisible premises to one
    center at most): the best (covered cents, -metres)."""
    cand = m.candidates(needs, offers, max_distance)
    options = {i: [None] for i in range(len(needs))}
    metres = {}
    for i, j, d in zip(
        cand.centers.tolist(), cand.premises.tolist(), cand.distance.tolist(), strict=True
    ):
        options[i].append(j)
        metres[(i, j)] = d
    best = (0, 0)
    for choice in itertools.product(*(options[i] for i in range(len(needs)))):
        used = [j for j in choice if j is not None]
        if any(used.count(j) > 1 for j in used if not offers[j].divisible):
            continue
        covered = 0
        groups: dict[int, int] = {}
        dist = 0
        for i, j in enumerate(choice):
            if j is None:
                continue
            dist += metres[(i, j)]
            s = m.cents(needs[i].shortfall)
            if offers[j].divisible:
                groups[j] = groups.get(j, 0) + s
            else:
                covered += min(s, m.cents(offers[j].area))
        covered += sum(min(total, m.cents(offers[j].area)) for j, total in groups.items())
        if (covered, -dist) > (best[0], -best[1]):
            best = (covered, dist)
    return best


def solved(needs, offers, max_distance):
    result = m.match(needs, offers, max_distance)
    covered = sum(m.cents(p.covered) for p in result.proposals)
    return result, (covered, sum(p.distance_m for p in result.proposals))


def check_valid(result, needs, offers):
    by_key_n = {n.key: n for n in needs}
    by_key_o = {o.key: o for o in offers}
    centers = [p.center for p in result.proposals]
    assert len(centers) == len(set(centers)), "a center got two premises"
    uses: dict = {}
    for p in result.proposals:
        need, offer = by_key_n[p.center], by_key_o[p.premises]
        uses.setdefault(p.premises, []).append(p)
        assert p.before == need.before and p.required == need.required
        assert p.after == p.before + p.added
        assert p.compliant_after == (p.after >= p.required)
        if offer.divisible:
            assert Decimal(0) < p.added <= need.shortfall
        else:
            assert p.added == offer.area
    for key, used in uses.items():
        offer = by_key_o[key]
        if offer.divisible:
            assert sum(p.added for p in used) <= offer.area
        else:
            assert len(used) == 1, "a non-divisible premises went to two centers"


point = st.tuples(st.integers(-20, 20), st.integers(-20, 20))
area = st.integers(1, 60).map(lambda n: Decimal(n * 10))


@st.composite
def case(draw):
    n_c = draw(st.integers(1, 5))
    n_p = draw(st.integers(1, 5))
    needs, offers = [], []
    for i in range(n_c):
        x, y = draw(point)
        located = draw(st.integers(0, 9)) > 0
        required = draw(area) + Decimal(100)
        have = draw(st.one_of(st.none(), st.integers(0, 20).map(lambda n: Decimal(n * 5))))
        needs.append(
            m.Need(
                f"c{i}",
                BASE[0] + y * 0.001 if located else None,
                BASE[1] + x * 0.001 if located else None,
                required,
                have,
            )
        )
    for j in range(n_p):
        x, y = draw(point)
        offers.append(
            m.Offer(
                f"p{j}", BASE[0] + y * 0.001, BASE[1] + x * 0.001, draw(area), draw(st.booleans())
            )
        )
    return needs, offers, draw(st.sampled_from([800, 1500, 3000, 10000]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case())
def test_optimal_against_brute_force(data):
    needs, offers, max_distance = data
    result, got = solved(needs, offers, max_distance)
    check_valid(result, needs, offers)
    assert got == brute_force(needs, offers, max_distance)


@settings(max_examples=120, deadline=None)
@given(case())
def test_optimal_without_divisible_premises_uses_the_assignment_solver(data):
    needs, offers, max_distance = data
    offers = [m.Offer(o.key, o.latitude, o.longitude, o.area, False) for o in offers]
    result, got = solved(needs, offers, max_distance)
    check_valid(result, needs, offers)
    assert got == brute_force(needs, offers, max_distance)
    if result.proposals:
        assert "linear_sum_assignment" in result.solver


def test_the_solver_beats_greedy():
    """The nearest-first greedy would give the big premises to A; the optimum gives it to B."""
    needs = [
        m.Need("A", 39.1200, 117.2200, Decimal(300), Decimal(250)),  # short 50
        m.Need("B", 39.1300, 117.2200, Decimal(400), Decimal(100)),  # short 300
    ]
    offers = [
        m.Offer("big", 39.1201, 117.2200, Decimal(300)),
        m.Offer("small", 39.1250, 117.2200, Decimal(60)),
    ]
    result = m.match(needs, offers, 2000)
    chosen = {p.center: p.premises for p in result.proposals}
    assert chosen == {"A": "small", "B": "big"}
    assert result.covered_area == Decimal("350.00")
    assert result.missing_area == Decimal("350.00")


def test_divisible_premises_is_shared_up_to_each_shortfall():
    needs = [
        m.Need("A", 39.1200, 117.2200, Decimal(300), Decimal(200)),  # short 100
        m.Need("B", 39.1210, 117.2200, Decimal(300), None),  # short 300 (area unknown)
        m.Need("C", 39.1220, 117.2200, Decimal(300), Decimal(280)),  # short 20
    ]
    offers = [m.Offer("D", 39.1205, 117.2200, Decimal(350), divisible=True)]
    result = m.match(needs, offers, 2000)
    added = {p.center: p.added for p in result.proposals}
    assert sum(added.values()) == Decimal(350)
    assert all(added[c] <= n.shortfall for c, n in zip("ABC", needs, strict=True) if c in added)
    assert result.covered_area == Decimal("350.00")
    b = next(p for p in result.proposals if p.center == "B")
    assert b.before == Decimal("0.00")


def test_whole_area_for_a_non_divisible_premises():
    needs = [m.Need("A", 39.12, 117.22, Decimal(300), Decimal(250))]
    offers = [m.Offer("P", 39.1205, 117.22, Decimal(180))]
    (p,) = m.match(needs, offers, 1000).proposals
    assert (p.added, p.covered, p.after, p.compliant_after) == (
        Decimal("180.00"),
        Decimal("50.00"),
        Decimal("430.00"),
        True,
    )
    assert 50 <= p.distance_m <= 60  # 0.0005° of latitude ≈ 55.6 m


def test_distance_limit_and_reasons():
    needs = [
        m.Need("far", 39.20, 117.22, Decimal(300), Decimal(100)),
        m.Need("nowhere", None, None, Decimal(300), Decimal(100)),
        m.Need("near", 39.12, 117.22, Decimal(300), Decimal(100)),
        m.Need("loser", 39.1201, 117.22, Decimal(300), Decimal(290)),
    ]
    offers = [m.Offer("P", 39.1202, 117.22, Decimal(200))]
    result = m.match(needs, offers, 1000)
    assert [p.center for p in result.proposals] == ["near"]
    assert result.unmatched == {
        "far": m.NO_CANDIDATE,
        "nowhere": m.NO_COORDINATES,
        "loser": m.NOT_CHOSEN,
    }


def test_ties_go_to_the_shorter_distance():
    needs = [m.Need("A", 39.12, 117.22, Decimal(300), Decimal(200))]
    offers = [
        m.Offer("far", 39.125, 117.22, Decimal(100)),
        m.Offer("near", 39.121, 117.22, Decimal(100)),
    ]
    (p,) = m.match(needs, offers, 2000).proposals
    assert p.premises == "near"


def test_excluded_pairs_are_not_proposed():
    needs = [m.Need("A", 39.12, 117.22, Decimal(300), Decimal(200))]
    offers = [
        m.Offer("near", 39.121, 117.22, Decimal(100)),
        m.Offer("far", 39.125, 117.22, Decimal(100)),
    ]
    (p,) = m.match(needs, offers, 2000, exclude={("A", "near")}).proposals
    assert p.premises == "far"


def test_haversine_one_degree_of_latitude():
    assert abs(float(m.haversine_m(39.0, 117.0, 40.0, 117.0)) - 111_195) < 5


def test_empty_inputs():
    assert m.match([], [], 1000).proposals == []
    needs = [m.Need("A", 39.12, 117.22, Decimal(300), Decimal(200))]
    result = m.match(needs, [], 1000)
    assert result.unmatched == {"A": m.NO_CANDIDATE}
    assert result.missing_area == Decimal("100.00")
