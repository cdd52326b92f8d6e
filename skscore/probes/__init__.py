"""Linear classifier probes (thesis chapter 9): on a finished model, and during training.

:class:`LinearProbeTransformer` fits a linear classifier on every layer of a torch model;
:class:`ProbeMonitor` is a skorch callback that does so on held-out data at the end of each
epoch and writes the probe errors into the net's history (thesis figures 9.3 and 9.9);
:func:`make_mlp` builds a multi-layer perceptron to probe (a model factory).
"""

from skscore.probes._mlp import make_mlp
from skscore.probes._monitor import ProbeMonitor
from skscore.probes._transformer import LinearProbeTransformer

__all__ = ["LinearProbeTransformer", "ProbeMonitor", "make_mlp"]
