"""Order pick stops along the walk: nearest neighbour from the start, then local search (2-opt and Or-opt)
repeated from a few perturbed tours, keeping the shortest.

Distance is rectilinear (Manhattan) over the bins' walk coordinates, the usual model for a floor of
parallel aisles and cross aisles. The route starts and ends at the pack-out point, where the cart goes.
Measured against solver-optimal and bin-code order in BENCHMARKS.md (`make bench BENCH_ARGS=pick_routes`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from itertools import pairwise

Point = tuple[int, int]
Matrix = list[list[int]]

# Restarts from a perturbed tour. Without them 2-opt + Or-opt ends about 1% above optimal at the median on
# 20-40 demo stops and up to 15% on unlucky lists; with 20 the worst seen is about 5% (BENCHMARKS.md).
KICKS = 20
OR_OPT_SEGMENT = 3  # longest run of consecutive stops Or-opt moves elsewhere in the tour


def distance(a: Point, b: Point) -> int:
    return abs(a[0] - b[0]) + abs(a[1] - b[1])


def route_length(start: Point, stops: Sequence[Point]) -> int:
    """Closed tour: start → every stop in the given order → start."""
    if not stops:
        return 0
    total, here = 0, start
    for stop in stops:
        total += distance(here, stop)
        here = stop
    return total + distance(here, start)


def sequence_stops(start: Point, stops: Sequence[Point], *, max_rounds: int = 50) -> list[int]:
    """Indices of `stops` in walking order. Deterministic: the same stops always give the same order."""
    n = len(stops)
    if n <= 2:
        return sorted(range(n), key=lambda i: distance(start, stops[i]))
    points = [start, *stops]
    dist = [[distance(a, b) for b in points] for a in points]
    # Node 0 is the start; a tour is [0, stops..., 0].
    tour = _iterate(dist, _local_search(dist, [0, *_nearest_neighbour(dist), 0], max_rounds), max_rounds)
    return [node - 1 for node in tour[1:-1]]


def _nearest_neighbour(dist: Matrix) -> list[int]:
    left = set(range(1, len(dist)))
    order: list[int] = []
    here = 0
    while left:
        nearest = min(left, key=lambda i: (dist[here][i], i))
        order.append(nearest)
        left.remove(nearest)
        here = nearest
    return order


def _iterate(dist: Matrix, tour: list[int], max_rounds: int) -> list[int]:
    """Double-bridge kicks (a move 2-opt and Or-opt cannot undo), each followed by local search."""
    rng = random.Random(len(tour))
    best, best_length = tour, _length(dist, tour)
    current, current_length = tour, best_length
    for _ in range(KICKS):
        a, b, c = sorted(rng.sample(range(1, len(tour) - 1), 3))
        candidate = _local_search(dist, current[:a] + current[b:c] + current[a:b] + current[c:], max_rounds)
        length = _length(dist, candidate)
        if length <= current_length:  # accept ties: Manhattan floors have many equal-length tours to drift across
            current, current_length = candidate, length
            if length < best_length:
                best, best_length = candidate, length
    return best


def _length(dist: Matrix, tour: list[int]) -> int:
    return sum(dist[a][b] for a, b in pairwise(tour))


def _local_search(dist: Matrix, tour: list[int], max_rounds: int) -> list[int]:
    tour = list(tour)
    for _ in range(max_rounds):
        improved = _two_opt(dist, tour)
        improved = _or_opt(dist, tour) or improved
        if not improved:
            break
    return tour


def _two_opt(dist: Matrix, tour: list[int]) -> bool:
    """One pass reversing every segment whose reversal shortens the tour, in place."""
    improved = False
    for i in range(1, len(tour) - 2):
        a, b = tour[i - 1], tour[i]
        row_a, row_b = dist[a], dist[b]
        for j in range(i + 1, len(tour) - 1):
            c, d = tour[j], tour[j + 1]
            if row_a[c] + row_b[d] < row_a[b] + dist[c][d]:
                tour[i:j + 1] = reversed(tour[i:j + 1])
                improved = True
                b = tour[i]
                row_b = dist[b]
    return improved


def _or_opt(dist: Matrix, tour: list[int]) -> bool:
    """One pass moving runs of 1..OR_OPT_SEGMENT stops (either way round) to their best other place, in place."""
    improved = False
    for size in range(1, OR_OPT_SEGMENT + 1):
        i = 1
        while i + size < len(tour):
            move = _best_insertion(dist, tour, i, size)
            if move is None:
                i += 1
                continue
            after, flip = move
            segment = tour[i:i + size]
            if flip:
                segment.reverse()
            rest = tour[:i] + tour[i + size:]
            at = after + 1 if after < i else after + 1 - size
            tour[:] = rest[:at] + segment + rest[at:]
            improved = True
    return improved


def _best_insertion(dist: Matrix, tour: list[int], i: int, size: int) -> tuple[int, bool] | None:
    """Where moving tour[i:i + size] saves the most: (index of the stop it goes after, reversed?), or None."""
    first, last = tour[i], tour[i + size - 1]
    before, after = tour[i - 1], tour[i + size]
    best = dist[before][first] + dist[last][after] - dist[before][after]  # what taking the run out saves
    if best <= 0 and size == 1:
        return None  # by the triangle inequality no edge takes a single stop in for less than nothing
    to_first, to_last = dist[first], dist[last]  # distances are symmetric: rows serve as columns
    move = None
    for j in range(len(tour) - 1):
        if i - 1 <= j <= i + size - 1:
            continue
        a, b = tour[j], tour[j + 1]
        edge = dist[a][b]
        forward = to_first[a] + to_last[b] - edge
        backward = to_last[a] + to_first[b] - edge
        if forward < best:
            best, move = forward, (j, False)
        if backward < best:
            best, move = backward, (j, True)
    return move
