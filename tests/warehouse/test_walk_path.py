import itertools
import random

import pytest

from benchmarks.pick_routes import demo_layout
from warehouse.outbound.services.walk_path import Point, distance, route_length, sequence_stops

START, DEMO_BINS = demo_layout()
DEMO_POINTS = sorted({point for _, point in DEMO_BINS})


def random_case(rng: random.Random, n: int) -> tuple[Point, list[Point]]:
    """Half the cases on the demo floor, half scattered on an open grid (with repeated points now and then)."""
    if rng.random() < 0.5:
        return START, rng.sample(DEMO_POINTS, n)
    return (rng.randint(0, 100), rng.randint(0, 100)), [(rng.randint(0, 60), rng.randint(0, 60)) for _ in range(n)]


def walk(start: Point, stops: list[Point], order: list[int]) -> int:
    return route_length(start, [stops[i] for i in order])


def nearest_neighbour(start: Point, stops: list[Point]) -> list[int]:
    left, order, here = set(range(len(stops))), [], start
    while left:
        nearest = min(left, key=lambda i: (distance(here, stops[i]), i))
        order.append(nearest)
        left.remove(nearest)
        here = stops[nearest]
    return order


def brute_force(start: Point, stops: list[Point]) -> int:
    return min(walk(start, stops, list(order)) for order in itertools.permutations(range(len(stops))))


def test_route_length_is_the_closed_tour():
    assert route_length((0, 0), []) == 0
    assert route_length((0, 0), [(3, 4)]) == 14
    assert route_length((0, 0), [(2, 0), (2, 5), (0, 5)]) == 2 + 5 + 2 + 5


@pytest.mark.parametrize("n", [0, 1, 2])
def test_trivial_lists(n):
    stops = [(5, 5), (1, 1)][:n]
    assert sorted(sequence_stops((0, 0), stops)) == list(range(n))


def test_returns_a_permutation_of_the_stops():
    rng = random.Random(1)
    for n in [3, 4, 5, 8, 13, 21, 40, 60]:
        for _ in range(10):
            start, stops = random_case(rng, n)
            assert sorted(sequence_stops(start, stops)) == list(range(n))


def test_same_stops_give_the_same_order():
    rng = random.Random(2)
    start, stops = random_case(rng, 30)
    assert sequence_stops(start, stops) == sequence_stops(start, list(stops))


def test_never_longer_than_nearest_neighbour_or_the_input_order():
    rng = random.Random(3)
    for _ in range(150):
        start, stops = random_case(rng, rng.randint(3, 40))
        length = walk(start, stops, sequence_stops(start, stops))
        assert length <= walk(start, stops, nearest_neighbour(start, stops))
        assert length <= walk(start, stops, list(range(len(stops))))


def test_close_to_brute_force_optimal_on_small_lists():
    rng = random.Random(4)
    ratios = []
    for n in range(3, 9):
        for _ in range(40 if n < 8 else 8):
            start, stops = random_case(rng, n)
            ratios.append(walk(start, stops, sequence_stops(start, stops)) / brute_force(start, stops))
    assert max(ratios) <= 1.05
    assert sum(ratio == 1 for ratio in ratios) >= 0.95 * len(ratios)


def test_beats_bin_code_order_on_the_demo_floor():
    rng = random.Random(5)
    for _ in range(30):
        picks = rng.sample(DEMO_BINS, 15)
        stops = [point for _, point in picks]
        by_code = [point for _, point in sorted(picks)]
        assert walk(START, stops, sequence_stops(START, stops)) <= route_length(START, by_code)


@pytest.mark.django_db
def test_benchmark_layout_is_the_demo_layout():
    from demo.data import seed_layout
    from layout.models import Bin
    from layout.selectors import pack_out_point

    for warehouse in seed_layout():
        pickable = Bin.objects.filter(warehouse=warehouse, is_pickable=True).values_list("code", "walk_x", "walk_y")
        assert sorted((code, (x, y)) for code, x, y in pickable) == sorted(DEMO_BINS)
        x, y = pack_out_point(warehouse.id)
        assert (round(x), round(y)) == START
