"""What every benchmark script shares: progress logging, timing, markdown tables, reports.

The scripts run as ``python benchmarks/bench_x.py``, so this folder is on ``sys.path`` and
they import it as a plain module: ``from _harness import log, timed, table, write_report``.

- :func:`log` prints a progress line to stderr (stdout stays free for the report);
- :func:`timed` calls a function once and returns a :class:`Timing`: the result with the
  wall-clock and the process CPU seconds it took; :func:`best_of` repeats the call and keeps
  the smallest of each;
- :class:`Stopwatch` the seconds since a script started, for ``[  12s] section`` lines;
- :func:`table` a markdown table from a header and rows;
- :func:`write_report` writes ``results/<name>.md`` (or any path) and says so;
- :func:`argument_parser` an argument parser titled by the script's docstring, with ``--quick``.
"""

import argparse
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def log(msg: object) -> None:
    """One progress line on stderr, flushed at once."""
    print(msg, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Timing:
    """A call's ``result`` and the seconds it took: ``wall`` (``time.perf_counter``) and
    ``cpu`` (``time.process_time``, this process only).

    On a machine shared with other jobs the process CPU time is barely affected by their
    load (with one thread it is the time this computation kept the core), so ratios of CPU
    times are the stable measure; wall-clock times are reported beside them.
    """

    result: Any
    wall: float
    cpu: float


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Timing:
    """Call ``fn(*args, **kwargs)`` once; its result, wall-clock and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return Timing(result, time.perf_counter() - wall, time.process_time() - cpu)


def best_of(fn: Callable[[], Any], repeats: int) -> Timing:
    """``fn()`` ``repeats`` times: the smallest wall-clock and the smallest CPU time (each
    over all calls, so possibly of different calls) and the last call's result."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    runs = [timed(fn) for _ in range(repeats)]
    return Timing(runs[-1].result, min(r.wall for r in runs), min(r.cpu for r in runs))


class Stopwatch:
    """Wall-clock seconds since it was made; :meth:`log` prefixes them to a progress line."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.start

    def log(self, msg: str) -> None:
        log(f"[{self.seconds:5.0f}s] {msg}")


def table(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """A markdown table (no trailing newline); cells are written with ``str``."""
    lines = ["| " + " | ".join(str(c) for c in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def results_path(name: str) -> Path:
    """``benchmarks/results/<name>.md``."""
    return RESULTS_DIR / f"{name}.md"


def write_report(text: str | Sequence[str], where: str | Path) -> Path:
    """Write a report (a string, or lines joined by newlines) ending in one newline.

    ``where`` is a report name (``"score"``: ``results/score.md``) or a path; missing
    folders are made. Logs and returns the path written.
    """
    if not isinstance(text, str):
        text = "\n".join(text)
    path = results_path(where) if isinstance(where, str) else Path(where)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n")
    log(f"wrote {path}")
    return path


def argument_parser(
    doc: str | None, quick_help: str = "small smoke run"
) -> argparse.ArgumentParser:
    """An argument parser described by the first paragraph's first line of ``doc`` (the
    script's docstring), with a ``--quick`` flag."""
    first = (doc or "").strip().splitlines()
    parsed = argparse.ArgumentParser(description=first[0] if first else None)
    parsed.add_argument("--quick", action="store_true", help=quick_help)
    return parsed
