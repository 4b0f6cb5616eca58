"""Run callables in real threads, each with its own PostgreSQL connection."""

import threading
from collections.abc import Callable

from django.db import connections


def run_in_threads(target: Callable[[int], object], count: int) -> list:
    results: list = [None] * count
    start = threading.Barrier(count)

    def worker(i: int) -> None:
        try:
            start.wait()
            results[i] = target(i)
        except Exception as exc:  # collected and asserted by the caller
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return results
