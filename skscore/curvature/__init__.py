"""Curvature of a network's loss: the extreme eigenvalues of its Hessian (thesis chapter 11).

- :func:`hessian_eigenpairs`: the k largest and k smallest eigenpairs of the Hessian of the
  full-data mean loss with respect to all the parameters, from Hessian-vector products
  (appendix 11.A), optionally on a fixed subset of the rows (appendix 11.D);
- :func:`line_search_along`: the loss along ``theta - alpha (g^T v) v`` (eq. 11.1) beside its
  quadratic model, to find the best step along an eigenvector (section 11.2.3, appendix 11.C);
- :class:`HessianSpectrum`: a skorch callback recording LA(k) and SA(k) during training
  (appendix 11.B; draw them with :func:`skscore.plotting.plot_hessian_spectrum`);
- :class:`NegativeCurvatureDescent`: an optimizer that tracks the most negative eigenvector
  and steps along it (appendix 11.E).

The parameters are one flat vector: ``p.ravel()`` concatenated over the module's parameters
that require gradients, in ``module.named_parameters()`` order (the layout of
:func:`torch.nn.utils.parameters_to_vector`). ``criterion`` is either a prediction loss
``criterion(module(X), y)`` averaged over the batch (``nn.CrossEntropyLoss()``), or an
objective ``criterion(module, X, y=None, *, generator=None)`` as skscore's estimators train;
a stochastic loss (dropout, corruption noise) is frozen with fixed seeds, so each call
differentiates one fixed function.
"""

from skscore.curvature._eigenpairs import hessian_eigenpairs, line_search_along
from skscore.curvature._negative_curvature import NegativeCurvatureDescent
from skscore.curvature._spectrum import HessianSpectrum

__all__ = [
    "HessianSpectrum",
    "NegativeCurvatureDescent",
    "hessian_eigenpairs",
    "line_search_along",
]
