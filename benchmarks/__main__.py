"""python -m benchmarks [name ...]: run the named benchmarks (all when none is named)."""

import importlib
import sys

ALL = ["intake", "reservations", "pick_routes", "pick_scans", "memory", "dashboards"]


def main(names: list[str]) -> None:
    for name in names or ALL:
        if name not in ALL:
            raise SystemExit(f"unknown benchmark {name!r}; one of {', '.join(ALL)}")
        importlib.import_module(f"benchmarks.{name}").run()


if __name__ == "__main__":
    main(sys.argv[1:])
