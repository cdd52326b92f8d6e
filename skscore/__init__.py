"""skscore: regularized auto-encoders as scikit-learn estimators.

Auto-encoders whose reconstruction estimates the score (gradient of the log-density) of the
data, its Hessian and local mean; energies by path integrals; MCMC sampling (Alain, 2018).
"""

from skscore._autoencoders.dae import DenoisingAEScoreEstimator
from skscore._autoencoders.rcae import RCAE
from skscore._conservative.estimator import ConservativeFieldRegressor
from skscore._gsn.estimator import GSNSampler
from skscore._noise_conditional.estimator import NoiseConditionalScoreEstimator
from skscore.probes._transformer import LinearProbeTransformer

__all__ = [
    "ConservativeFieldRegressor",
    "DenoisingAEScoreEstimator",
    "GSNSampler",
    "LinearProbeTransformer",
    "NoiseConditionalScoreEstimator",
    "RCAE",
]
__version__ = "0.1.0"
