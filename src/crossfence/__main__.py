"""The `crossfence` command and `python -m crossfence`: the CLI, with the garbage collector set for one short run."""

from __future__ import annotations

import gc


def main() -> None:
    """Tune the cyclic garbage collector, run the CLI (`crossfence.cli.run`), exit."""
    # A command runs once and exits: collecting every 700 allocations (CPython's default) makes the
    # collector walk the growing heap of imported modules and loaded objects again and again, for
    # almost nothing (reference counting frees the rest). Every 200,000, as mypy does
    # (mypy/gctune.py), and before the CLI's imports, which allocate the most.
    gc.set_threshold(200_000, 30, 30)
    from crossfence.cli import run

    try:
        run()
    finally:
        # At exit the interpreter collects every generation once more, over every module and
        # object still alive: a tenth of a second at 1,000 pods, to free memory the process is
        # about to give back whole. Frozen objects are left out of that collection; they are
        # still closed and freed as the interpreter tears down
        # (https://docs.python.org/3/library/gc.html#gc.freeze).
        gc.freeze()


if __name__ == "__main__":
    main()
