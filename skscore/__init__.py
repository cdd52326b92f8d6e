"""skscore: regularized auto-encoders as scikit-learn estimators.

Auto-encoders whose reconstruction estimates the score (gradient of the log-density) of the
data, its Hessian and local mean; energies by path integrals; MCMC sampling (Alain, 2018).
"""

from ._conservative import ConservativeFieldRegressor
from ._dae import DenoisingAEScoreEstimator
from ._gsn import GSNSampler
from ._noise_conditional import NoiseConditionalScoreEstimator
from ._probes import LinearProbeTransformer
from ._rcae import RCAE

__all__ = [
    "ConservativeFieldRegressor",
    "DenoisingAEScoreEstimator",
    "GSNSampler",
    "LinearProbeTransformer",
    "NoiseConditionalScoreEstimator",
    "RCAE",
]
__version__ = "0.1.0"
