"""Reconstruction contractive auto-encoder (thesis eq. 3.6, Theorem 2)."""

import numbers

from sklearn.utils._param_validation import Interval, StrOptions
from torch import nn

from ._autoencoder_base import BaseScoreAutoEncoder, jacobian_trace_and_frobenius
from ._base import _SHARED_PARAMETER_DOCS


class ContractiveLoss(nn.Module):
    """RCAE objective divided by sigma^2, up to the constant d (thesis eq. 3.6).

    With ``r(x) = x + sigma u(x)``: ``(||r - x||^2 + sigma^2 ||dr/dx||_F^2) / sigma^2
    = ||u||^2 + 2 sigma tr(du/dx) + sigma^2 ||du/dx||_F^2 + d``. Writing ``u = sigma s``
    this is ``sigma^2 (||s||^2 + 2 tr(ds/dx) + sigma^2 ||ds/dx||_F^2)``: twice Hyvärinen's
    score-matching loss plus a Jacobian penalty (sliced score matching with projections).
    """

    def __init__(self, jacobian_penalty="hutchinson", n_projections=1):
        super().__init__()
        self.jacobian_penalty = jacobian_penalty
        self.n_projections = n_projections

    def forward(self, module, X):
        """Loss on a batch, ``mean(||u||^2 + 2 sigma tr(du/dx) + sigma^2 ||du/dx||_F^2)``.

        Parameters
        ----------
        module : torch.nn.Module
            Maps a batch to the displacement ``u(x) = (r(x) - x) / sigma``; ``module.sigma`` is
            the penalty length (a ``ReconstructionField``).
        X : torch.Tensor of shape (n_samples, n_features)
            Batch.

        Returns
        -------
        loss : torch.Tensor
            Scalar, differentiable in the module's parameters (the Jacobian terms keep their
            graph); with "hutchinson" an unbiased random estimate.

        Examples
        --------
        With ``u = sigma * s``, ``s`` the score estimate, the exact loss is ``sigma^2`` times
        twice the Hyvärinen loss (minus :meth:`RCAE.score`) plus the Jacobian penalty:

        >>> import numpy as np
        >>> import torch
        >>> from skscore import RCAE
        >>> from skscore._rcae import ContractiveLoss
        >>> from skscore.datasets import GaussianMixtureDensity
        >>> density = GaussianMixtureDensity(means=[[0.0, 0.0]], covariances=[[0.25, 0.01]])
        >>> X = density.sample(200, random_state=0)
        >>> rcae = RCAE(sigma=0.05, hidden_layer_sizes=(32,), max_epochs=10, lr=1e-2,
        ...             random_state=0).fit(X)
        >>> loss = ContractiveLoss("exact")(rcae.module_, torch.tensor(X)).item()
        >>> penalty = rcae.sigma**2 * np.mean(np.sum(rcae.hessian_log_density(X) ** 2, (1, 2)))
        >>> bool(np.isclose(loss / rcae.sigma**2, -2 * rcae.score(X) + penalty))
        True
        >>> bool(loss < 0)  # the zero field (untrained residual network) scores 0
        True
        """
        n_projections = None if self.jacobian_penalty == "exact" else self.n_projections
        u, trace, frobenius = jacobian_trace_and_frobenius(
            module, X, n_projections, create_graph=True
        )
        sigma = module.sigma
        return ((u**2).sum(-1) + 2 * sigma * trace + sigma**2 * frobenius).mean()


class RCAE(BaseScoreAutoEncoder):
    __doc__ = f"""Reconstruction contractive auto-encoder: learns the score of p at small sigma.

    Minimises ``||r(x) - x||^2 + sigma^2 ||dr/dx||_F^2`` (thesis eq. 3.6), the analytic small-noise
    version of the denoising criterion (Proposition 1). Its optimum is ``r(x) = x + sigma^2
    ∇ log p(x) + o(sigma^2)`` (Theorem 2). With ``r = x + sigma^2 s`` the loss divided by
    ``sigma^4`` is, up to a constant, ``||s||^2 + 2 tr(ds/dx) + sigma^2 ||ds/dx||_F^2``:
    Hyvärinen score matching plus a Jacobian penalty; with Hutchinson projections it is sliced
    score matching. Unlike the DAE it has no noise in the gradient, so it estimates the score of p
    itself (not of p smoothed) at small sigma.

    Parameters
    ----------
    sigma : float, default=0.1
        Weight of the contraction penalty, as a length in data units (penalty ``sigma^2``).
    parametrization : {{"residual", "autoencoder"}}, default="residual"
        "residual": ``r(x) = x + sigma * f(x)`` with ``f`` zero-initialised; "autoencoder":
        ``r`` is the MLP itself.
    jacobian_penalty : {{"hutchinson", "exact"}}, default="hutchinson"
        "exact": the full Jacobian (about d times the cost of a DAE step); "hutchinson": an
        unbiased estimate from ``n_projections`` Rademacher vectors per example.
    n_projections : int, default=1
        Random projections per example for "hutchinson".
    {_SHARED_PARAMETER_DOCS}

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained net; ``module_`` is its torch module and ``history_`` its history.
    device_ : str
        Resolved device.
    mean_, scale_ : ndarray of shape (n_features,)
        Internal standardisation.
    chain_starts_ : ndarray of shape (n_starts, n_features)
        Up to 1000 training rows where sampling chains start.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (only with string column names).

    See Also
    --------
    DenoisingAEScoreEstimator : same methods, estimates the score of p smoothed by the noise.

    Examples
    --------
    >>> from skscore import RCAE
    >>> from skscore.datasets import make_spiral
    >>> X = make_spiral(500, noise=0.01, random_state=0)
    >>> rcae = RCAE(sigma=0.02, hidden_layer_sizes=(32, 32), max_epochs=5,
    ...             random_state=0).fit(X)
    >>> rcae.grad_log_density(X[:3]).shape
    (3, 2)
    """

    _parameter_constraints = {
        **BaseScoreAutoEncoder._parameter_constraints,
        "jacobian_penalty": [StrOptions({"exact", "hutchinson"})],
        "n_projections": [Interval(numbers.Integral, 1, None, closed="left")],
    }
    _criterion_class = ContractiveLoss

    def __init__(
        self,
        sigma=0.1,
        parametrization="residual",
        jacobian_penalty="hutchinson",
        n_projections=1,
        *,
        hidden_layer_sizes=(256, 256),
        activation="tanh",
        standardize=True,
        max_epochs=100,
        batch_size=256,
        lr=1e-3,
        optimizer="adam",
        weight_decay=0.0,
        device="auto",
        callbacks=None,
        random_state=None,
        verbose=0,
    ):
        self.sigma = sigma
        self.parametrization = parametrization
        self.jacobian_penalty = jacobian_penalty
        self.n_projections = n_projections
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.standardize = standardize
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.device = device
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose

    def _criterion_params(self, X, y):
        return {"jacobian_penalty": self.jacobian_penalty, "n_projections": self.n_projections}
