"""python -m jkn_demo run|stop|bench|bench-latency|profile|invariants|faults"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:  # noqa: PLR0911 - one return per sub-command
    command = argv[0] if argv else "run"
    if command == "run":
        from jkn_demo.demo import main as run

        return run()
    if command == "stop":
        from jkn_demo.demo import stop

        stop()
        return 0
    if command == "bench":
        from jkn_demo.bench import main as bench

        return bench(argv[1:])
    if command == "bench-latency":
        from jkn_demo.bench_latency import main as bench_latency

        return bench_latency(argv[1:])
    if command == "invariants":
        from jkn_demo.invariant_reads import main as invariants

        return invariants(argv[1:])
    if command == "faults":
        from jkn_demo.faults import main as faults

        return faults(argv[1:])
    if command == "scaleout":
        from jkn_demo.scaleout import main as scaleout

        return scaleout(argv[1:])
    if command == "profile":
        from jkn_demo.profile import main as profile

        return profile(argv[1:])
    print(
        "usage: python -m jkn_demo run|stop|bench|bench-latency|profile [--residents N]"
        "|invariants|faults|scaleout [--help]",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
