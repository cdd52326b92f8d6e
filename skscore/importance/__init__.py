"""Importance-sampling SGD (thesis chapter 7): train a network on its most informative examples.

Minibatches are drawn with probability proportional to each example's gradient norm and the
losses re-weighted so that the gradient stays unbiased while its variance shrinks (Theorem 1,
Corollary 2, eq. 7.5-7.9). :func:`per_example_gradient_norms` computes the norms (one backward
pass for linear networks by Proposition 3, ``torch.func`` for any other module);
:class:`ImportanceSampling` is a skorch callback that trains any skorch net or skscore estimator
this way, with the weights refreshed in-process or by Dask workers; :func:`trace_covariance`
is the variance of the estimator for a given proposal.
"""

from skscore.importance._norms import per_example_gradient_norms
from skscore.importance._sampling import ImportanceSampling
from skscore.importance._variance import trace_covariance

__all__ = ["ImportanceSampling", "per_example_gradient_norms", "trace_covariance"]
