"""Matching premises to centers short of area (三本账): pure functions, no ORM.

The problem. Each center `i` lacks `s_i` m² (the standard's requirement minus its floor area; all
of it when the area is unknown). Each free premises `j` has `a_j` m² and lies `d_ij` metres away.
A pair is a candidate when `d_ij <= max_distance`. Each center gets at most one premises per run.

- A non-divisible premises goes whole to one center: it adds `a_j` and covers `min(a_j, s_i)`.
- A divisible premises is shared: each center it serves gets up to its shortfall, and what they
  get together is at most `a_j`.

The optimizer maximizes the missing area covered and, among the assignments covering the most,
takes the one with the shortest total distance. The candidate graph falls apart into small
connected components (distance-limited neighbourhoods); each is solved exactly:

- without divisible premises: SciPy's `linear_sum_assignment` on the rectangular cost matrix
  `-(covered_cents * M - distance_m)` (M exceeds any total distance, so covering more always
  wins and distance only breaks ties; integers stay exact in float64 — checked, else MILP);
- with divisible premises: a mixed-integer programme (`scipy.optimize.milp`, HiGHS) in two
  phases: the most area covered, then the shortest distance among those.

Areas are handled in integer hundredths of a square metre (cents), so that every comparison is
exact; distances in whole metres.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, milp
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

EARTH_RADIUS_M = 6_371_008.8
CENT = Decimal("0.01")
EXACT_LIMIT = 2**52  # integers below this are exact in float64

# Why a center got no proposal.
NO_COORDINATES = "no_coordinates"
NO_CANDIDATE = "no_candidate"
NOT_CHOSEN = "not_chosen"


@dataclass(frozen=True)
class Need:
    """A center short of area."""

    key: object
    latitude: float | None
    longitude: float | None
    required: Decimal  # m² the standard requires
    area: Decimal | None  # m² it has (None: unknown, the whole requirement is missing)

    @property
    def before(self) -> Decimal:
        return self.area if self.area is not None else Decimal("0.00")

    @property
    def shortfall(self) -> Decimal:
        return max(Decimal("0.00"), self.required - self.before)


@dataclass(frozen=True)
class Offer:
    """A free premises."""

    key: object
    latitude: float
    longitude: float
    area: Decimal
    divisible: bool = False


@dataclass(frozen=True)
class Proposal:
    """One center's proposed premises, explained."""

    center: object
    premises: object
    distance_m: int
    required: Decimal
    before: Decimal
    added: Decimal
    covered: Decimal  # the part of the shortfall this covers
    after: Decimal
    compliant_after: bool


@dataclass
class Candidates:
    """The candidate pairs: parallel arrays over pairs (center index, premises index, metres,
    covered cents for a whole non-divisible premises)."""

    centers: np.ndarray
    premises: np.ndarray
    distance: np.ndarray
    shortfall: np.ndarray  # cents, per need
    capacity: np.ndarray  # cents, per offer
    divisible: np.ndarray  # bool, per offer
    located: np.ndarray  # bool, per need: has coordinates

    def __len__(self) -> int:
        return int(self.centers.size)


@dataclass
class Result:
    proposals: list[Proposal] = field(default_factory=list)
    unmatched: dict = field(default_factory=dict)  # need key → NO_COORDINATES / NO_CANDIDATE / …
    missing_area: Decimal = Decimal("0.00")
    covered_area: Decimal = Decimal("0.00")
    total_distance_m: int = 0
    candidates: int = 0
    components: int = 0
    solver: str = ""


def cents(value: Decimal) -> int:
    return int((value.quantize(CENT) * 100).to_integral_value())


def from_cents(value: int) -> Decimal:
    return (Decimal(int(value)) / 100).quantize(CENT)


def haversine_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in metres (numpy broadcasting: a column of centers against a row
    of premises gives the whole matrix)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2) - np.radians(lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(1.0, h)))


def candidates(
    needs: Sequence[Need],
    offers: Sequence[Offer],
    max_distance_m: float,
    exclude: Iterable[tuple] = (),
    chunk: int = 512,
) -> Candidates:
    """Every (center, premises) pair within `max_distance_m`, except the excluded (center key,
    premises key) pairs (proposals rejected before). Centers without coordinates have none."""
    located = np.array(
        [n.latitude is not None and n.longitude is not None for n in needs], dtype=bool
    )
    shortfall = np.array([cents(n.shortfall) for n in needs], dtype=np.int64)
    capacity = np.array([cents(o.area) for o in offers], dtype=np.int64)
    divisible = np.array([o.divisible for o in offers], dtype=bool)
    empty = np.zeros(0, dtype=np.int64)
    if not needs or not offers:
        return Candidates(empty, empty, empty, shortfall, capacity, divisible, located)
    olat = np.array([o.latitude for o in offers], dtype=float)
    olon = np.array([o.longitude for o in offers], dtype=float)
    idx = np.flatnonzero(located & (shortfall > 0))
    nlat = np.array([needs[i].latitude if located[i] else 0.0 for i in range(len(needs))])
    nlon = np.array([needs[i].longitude if located[i] else 0.0 for i in range(len(needs))])
    ci, pj, dd = [], [], []
    for start in range(0, idx.size, chunk):
        rows = idx[start : start + chunk]
        dist = haversine_m(nlat[rows, None], nlon[rows, None], olat[None, :], olon[None, :])
        r, c = np.nonzero(dist <= max_distance_m)
        ci.append(rows[r])
        pj.append(c)
        dd.append(np.rint(dist[r, c]).astype(np.int64))
    centers_ = np.concatenate(ci) if ci else empty
    premises_ = np.concatenate(pj) if pj else empty
    distance = np.concatenate(dd) if dd else empty
    banned = set(exclude)
    if banned:
        keep = np.array(
            [
                (needs[i].key, offers[j].key) not in banned
                for i, j in zip(centers_.tolist(), premises_.tolist(), strict=True)
            ],
            dtype=bool,
        )
        centers_, premises_, distance = centers_[keep], premises_[keep], distance[keep]
    return Candidates(
        centers_.astype(np.int64),
        premises_.astype(np.int64),
        distance,
        shortfall,
        capacity,
        divisible,
        located,
    )


# -- solving ---------------------------------------------------------------------------------


def _components(cand: Candidates, n_needs: int, n_offers: int) -> list[np.ndarray]:
    """Pair indices grouped by connected component of the bipartite candidate graph."""
    if not len(cand):
        return []
    graph = coo_matrix(
        (np.ones(len(cand)), (cand.centers, n_needs + cand.premises)),
        shape=(n_needs + n_offers, n_needs + n_offers),
    )
    _n, labels = connected_components(graph, directed=False)
    pair_label = labels[cand.centers]
    order = np.argsort(pair_label, kind="stable")
    sorted_labels = pair_label[order]
    cuts = np.flatnonzero(np.diff(sorted_labels)) + 1
    return np.split(order, cuts)


def _solve_lsa(cand: Candidates, pairs: np.ndarray) -> dict[int, tuple[int, int]] | None:
    """One component without divisible premises. Returns {need: (offer, added cents)} or None
    when the lexicographic costs would not be exact in float64."""
    ci, pj, dist = cand.centers[pairs], cand.premises[pairs], cand.distance[pairs]
    rows, r_inv = np.unique(ci, return_inverse=True)
    cols, c_inv = np.unique(pj, return_inverse=True)
    covered = np.minimum(cand.shortfall[ci], cand.capacity[pj])
    # M exceeds any assignment's total distance: one pair per center at most.
    best_dist = np.zeros(rows.size, dtype=np.int64)
    np.maximum.at(best_dist, r_inv, dist)
    big = int(best_dist.sum()) + 1
    if big * int(np.minimum(cand.shortfall[rows], cand.capacity.max()).sum()) >= EXACT_LIMIT:
        return None
    cost = np.zeros((rows.size, cols.size), dtype=float)
    cost[r_inv, c_inv] = -(covered.astype(float) * big - dist.astype(float))
    r, c = linear_sum_assignment(cost)
    out = {}
    for a, b in zip(r.tolist(), c.tolist(), strict=True):
        if cost[a, b] < 0:
            out[int(rows[a])] = (int(cols[b]), int(cand.capacity[cols[b]]))
    return out


def _solve_milp(cand: Candidates, pairs: np.ndarray) -> dict[int, tuple[int, int]]:
    """One component with divisible premises (or too large for exact LSA costs): a MILP in two
    phases (most area covered, then shortest distance). Variables: y_p (pair chosen, binary)
    for every pair, x_p (cents given, continuous) for the pairs with a divisible premises."""
    ci, pj, dist = cand.centers[pairs], cand.premises[pairs], cand.distance[pairs]
    n = pairs.size
    div = cand.divisible[pj]
    dpairs = np.flatnonzero(div)
    m = dpairs.size
    nv = n + m
    # In square metres (not cents): HiGHS fails ("Solve error") on some of these programmes
    # with coefficients in the tens of thousands, and solves them scaled down.
    short = cand.shortfall[ci].astype(float) / 100
    cover_whole = np.minimum(cand.shortfall[ci], cand.capacity[pj]).astype(float) / 100

    gain = np.zeros(nv)
    gain[:n] = np.where(div, 0.0, cover_whole)
    gain[n:] = 1.0

    rows_a, cols_a, vals_a, lo, hi = [], [], [], [], []
    r = 0
    # each center: at most one pair
    for i in np.unique(ci):
        idx = np.flatnonzero(ci == i)
        rows_a += [r] * idx.size
        cols_a += idx.tolist()
        vals_a += [1.0] * idx.size
        lo.append(-np.inf)
        hi.append(1.0)
        r += 1
    for j in np.unique(pj):
        idx = np.flatnonzero(pj == j)
        if cand.divisible[j]:
            # what the centers get together ≤ the premises' area
            xs = np.searchsorted(dpairs, idx)
            rows_a += [r] * idx.size
            cols_a += (n + xs).tolist()
            vals_a += [1.0] * idx.size
            hi.append(float(cand.capacity[j]) / 100)
        else:
            rows_a += [r] * idx.size
            cols_a += idx.tolist()
            vals_a += [1.0] * idx.size
            hi.append(1.0)
        lo.append(-np.inf)
        r += 1
    # x_p ≤ shortfall · y_p
    for k, p in enumerate(dpairs.tolist()):
        rows_a += [r, r]
        cols_a += [n + k, p]
        vals_a += [1.0, -short[p]]
        lo.append(-np.inf)
        hi.append(0.0)
        r += 1
    a = coo_matrix((vals_a, (rows_a, cols_a)), shape=(r, nv)).tocsr()
    base = LinearConstraint(a, lo, hi)
    integrality = np.concatenate([np.ones(n), np.zeros(m)])
    upper = np.concatenate([np.ones(n), short[dpairs]])
    bounds = Bounds(np.zeros(nv), upper)
    first = _milp(-gain, [base], integrality, bounds)
    best = round(-first.fun * 100) / 100
    cost = np.zeros(nv)
    cost[:n] = dist.astype(float)
    keep = LinearConstraint(gain.reshape(1, -1), [best - 0.005], [np.inf])
    second = _milp(cost, [base, keep], integrality, bounds, required=False)
    x = second.x if second.x is not None else first.x
    chosen = np.flatnonzero(x[:n] > 0.5)
    out: dict[int, tuple[int, int]] = {}
    given = {int(p): int(round(x[n + k] * 100)) for k, p in enumerate(dpairs.tolist())}
    for p in chosen.tolist():
        i, j = int(ci[p]), int(pj[p])
        if cand.divisible[j]:
            if given[p] > 0:
                out[i] = (j, given[p])
        else:
            out[i] = (j, int(cand.capacity[j]))
    return _settle_shares(out, cand)


# HiGHS (SciPy 1.17) now and then answers "Solve error" on these small degenerate programmes,
# with presolve on for some and off for others: each is tried both ways.
MILP_OPTIONS = ({"mip_rel_gap": 0.0, "presolve": True}, {"mip_rel_gap": 0.0, "presolve": False})


def _milp(c, constraints, integrality, bounds, *, required: bool = True):
    found = None
    for options in MILP_OPTIONS:
        found = milp(
            c, constraints=constraints, integrality=integrality, bounds=bounds, options=options
        )
        if found.x is not None and found.status == 0:
            return found
    if required:
        raise RuntimeError(f"matching solver failed: {found.message}")
    return found


def _settle_shares(out: dict[int, tuple[int, int]], cand: Candidates) -> dict:
    """Divisible premises: whole cents, each center at most its shortfall, together at most the
    area (the solver's floats rounded; any remainder is given back in center order)."""
    by_offer: dict[int, list[int]] = {}
    for i, (j, _g) in out.items():
        if cand.divisible[j]:
            by_offer.setdefault(j, []).append(i)
    for j, centers_ in by_offer.items():
        left = int(cand.capacity[j])
        for i in sorted(centers_):
            share = min(out[i][1], int(cand.shortfall[i]), left)
            out[i] = (j, share)
            left -= share
        for i in sorted(centers_):
            if left <= 0:
                break
            extra = min(int(cand.shortfall[i]) - out[i][1], left)
            if extra > 0:
                out[i] = (j, out[i][1] + extra)
                left -= extra
    return {i: v for i, v in out.items() if v[1] > 0}


def solve(cand: Candidates, n_needs: int, n_offers: int) -> tuple[dict, str, int]:
    """The optimal assignment: {need index: (offer index, added cents)}, the solver(s) used and
    the number of components."""
    out: dict[int, tuple[int, int]] = {}
    used = set()
    parts = _components(cand, n_needs, n_offers)
    for pairs in parts:
        if not cand.divisible[cand.premises[pairs]].any():
            found = _solve_lsa(cand, pairs)
            if found is not None:
                out |= found
                used.add("linear_sum_assignment")
                continue
        out |= _solve_milp(cand, pairs)
        used.add("milp")
    names = {"linear_sum_assignment": "scipy linear_sum_assignment", "milp": "scipy milp (HiGHS)"}
    return out, " + ".join(names[u] for u in sorted(used)) or "—", len(parts)


def objective(
    assignment: dict[int, tuple[int, int]], cand: Candidates, distances: dict
) -> tuple[int, int]:
    """(covered cents, total metres) of an assignment; `distances[(i, j)]` in metres."""
    covered = 0
    for i, (_j, added) in assignment.items():
        covered += min(int(cand.shortfall[i]), added)
    total = sum(distances[(i, j)] for i, (j, _a) in assignment.items())
    return covered, total


# -- the whole run ---------------------------------------------------------------------------


def explain(need: Need, offer: Offer, distance_m: int, added_cents: int) -> Proposal:
    added = from_cents(added_cents)
    after = (need.before + added).quantize(CENT)
    return Proposal(
        center=need.key,
        premises=offer.key,
        distance_m=int(distance_m),
        required=need.required.quantize(CENT),
        before=need.before.quantize(CENT),
        added=added,
        covered=min(need.shortfall, added).quantize(CENT),
        after=after,
        compliant_after=after >= need.required,
    )


def match(
    needs: Sequence[Need],
    offers: Sequence[Offer],
    max_distance_m: float,
    exclude: Iterable[tuple] = (),
) -> Result:
    """Candidates, the optimal assignment and one explained proposal per matched center."""
    needs = [n for n in needs if n.shortfall > 0]
    cand = candidates(needs, offers, max_distance_m, exclude)
    assignment, solver, parts = solve(cand, len(needs), len(offers))
    metres = {
        (int(i), int(j)): int(d)
        for i, j, d in zip(
            cand.centers.tolist(), cand.premises.tolist(), cand.distance.tolist(), strict=True
        )
    }
    result = Result(candidates=len(cand), components=parts, solver=solver)
    with_candidates = set(cand.centers.tolist())
    for i, need in enumerate(needs):
        result.missing_area += need.shortfall
        if i in assignment:
            j, added = assignment[i]
            p = explain(need, offers[j], metres[(i, j)], added)
            result.proposals.append(p)
            result.covered_area += p.covered
            result.total_distance_m += p.distance_m
        elif not cand.located[i]:
            result.unmatched[need.key] = NO_COORDINATES
        elif i not in with_candidates:
            result.unmatched[need.key] = NO_CANDIDATE
        else:
            result.unmatched[need.key] = NOT_CHOSEN
    result.missing_area = result.missing_area.quantize(CENT)
    result.covered_area = result.covered_area.quantize(CENT)
    return result


def cost_matrix(cand: Candidates, n_needs: int, n_offers: int) -> np.ndarray:
    """The dense rectangular cost matrix of the whole problem (covered m² negated, non-candidates
    0): the baseline the benchmark times `linear_sum_assignment` on."""
    cost = np.zeros((n_needs, n_offers), dtype=float)
    covered = np.minimum(cand.shortfall[cand.centers], cand.capacity[cand.premises])
    cost[cand.centers, cand.premises] = -covered.astype(float)
    return cost
