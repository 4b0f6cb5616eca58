"""Order pick stops along the walk: nearest neighbour from the start, then 2-opt until no swap helps.

Distance is rectilinear (Manhattan) over the bins' walk coordinates, the usual model for a floor of
parallel aisles and cross aisles. The route starts and ends at the pack-out point, where the cart goes.
Measured against solver-optimal and bin-code order in BENCHMARKS.md (`make bench BENCH_ARGS=pick_routes`).
"""

from __future__ import annotations

from collections.abc import Sequence

Point = tuple[int, int]


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
    """Indices of `stops` in walking order."""
    n = len(stops)
    if n <= 2:
        return sorted(range(n), key=lambda i: distance(start, stops[i]))
    left = set(range(n))
    order: list[int] = []
    here = start
    while left:
        nearest = min(left, key=lambda i: (distance(here, stops[i]), i))
        order.append(nearest)
        left.remove(nearest)
        here = stops[nearest]
    return _two_opt(start, stops, order, max_rounds)


def _two_opt(start: Point, stops: Sequence[Point], order: list[int], max_rounds: int) -> list[int]:
    points = [start] + [stops[i] for i in order] + [start]
    idx = [-1] + order + [-1]
    for _ in range(max_rounds):
        improved = False
        for i in range(1, len(points) - 2):
            for j in range(i + 1, len(points) - 1):
                before = distance(points[i - 1], points[i]) + distance(points[j], points[j + 1])
                after = distance(points[i - 1], points[j]) + distance(points[i], points[j + 1])
                if after < before:
                    points[i:j + 1] = reversed(points[i:j + 1])
                    idx[i:j + 1] = reversed(idx[i:j + 1])
                    improved = True
        if not improved:
            break
    return idx[1:-1]
