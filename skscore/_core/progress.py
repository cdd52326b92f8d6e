"""One progress report for long loops (training epochs, sampling steps).

On a terminal it is a tqdm bar; elsewhere (logs, CI, notebooks' captured output) it writes a
plain line at every tenth of the work and at the end, with no carriage returns or colour codes.
"""

import sys

from tqdm.auto import tqdm

#: Plain-text mode reports this many times over the loop (and at its end).
PLAIN_REPORTS = 10


class Progress:
    """A progress report over ``total`` steps, written to ``stream`` (default stderr).

    Parameters
    ----------
    total : int
        Number of steps.
    desc : str
        What is progressing ("training DenoisingAEScoreEstimator").
    unit : str, default="step"
        Name of one step ("epoch").
    enabled : bool, default=True
        False: report nothing.
    stream : file-like, default=None
        Where to write; None is ``sys.stderr`` at construction.
    """

    def __init__(self, total, desc, unit="step", enabled=True, stream=None):
        self.total = int(total)
        self.desc = desc
        self.unit = unit
        self.enabled = enabled
        self.stream = sys.stderr if stream is None else stream
        self.count = 0
        self._bar = None
        self._next_report = 1
        isatty = getattr(self.stream, "isatty", None)
        if enabled and callable(isatty) and isatty():
            self._bar = tqdm(total=self.total, desc=desc, unit=unit, file=self.stream)

    def update(self, n=1, **info):
        """Advance by ``n`` steps; ``info`` (e.g. ``loss=0.12``) is shown beside the count."""
        if not self.enabled:
            return
        self.count += n
        text = ", ".join(f"{key}={_fmt(value)}" for key, value in info.items())
        if self._bar is not None:
            self._bar.update(n)
            if text:
                self._bar.set_postfix_str(text)
            return
        if self.count * PLAIN_REPORTS >= self._next_report * self.total or self.count >= self.total:
            self._next_report = self.count * PLAIN_REPORTS // max(self.total, 1) + 1
            line = f"{self.desc}: {self.count}/{self.total} {self.unit}s"
            print(line + (f" ({text})" if text else ""), file=self.stream, flush=True)

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _fmt(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)
