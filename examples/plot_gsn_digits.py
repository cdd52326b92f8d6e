"""
==========================================================
Consecutive GSN chain samples on binarised digits
==========================================================

Three generative stochastic networks trained on scikit-learn's 8x8 digits binarised to
{0, 1}, each sampled by running its learned Markov chain (thesis figures 5.4 and 5.6):

- a plain denoising auto-encoder chain (one hidden layer of 128 units, ``walkback=0``):
  salt-and-pepper corruption, then a draw from the learned Bernoulli reconstruction
  ``P(x | x~)``;
- the same with geometric walkback training and learned per-step scaling factors
  (sections 5.3.2-5.3.3; the chain samples with alpha_1, the sharpest operator);
- a latent-state GSN with two hidden layers (section 5.5.2): the hidden layers are part of
  the chain's state, noise of std 2 is injected in the top layer.

All three train for 40 epochs with the default cosine decay of the learning rate. Each
panel shows every fifth state of one chain over 300 steps (read row by row), drawn as the
reconstruction means ``P(x_i = 1 | h)`` the states were sampled from (the thesis shows
mean-field images too). All chains start at the same training digit (a 0) and wander through
the classes. With 256-256 units and this short training the latent chain stays on the 0:
wider latent GSNs need longer training to mix (``GSNSampler()`` trains a 256-256 latent GSN
for 400 epochs).
"""

import matplotlib.pyplot as plt

from skscore import GSNSampler
from skscore.datasets import load_binary_digits
from skscore.plotting import plot_digit_grid

X, _ = load_binary_digits(return_X_y=True)

common = dict(max_epochs=40, random_state=0)  # the default cosine decay of the learning rate
models = {
    "DAE chain (walkback=0)": GSNSampler((128,), walkback=0, learn_scaling=False, **common),
    "walkback + learned scaling": GSNSampler((128,), **common),
    "latent GSN (128-128)": GSNSampler((128, 128), **common),  # hidden_noise="auto": 2.0
}

fig, axes = plt.subplots(1, 3, figsize=(13, 3.7))
for ax, (name, gsn) in zip(axes, models.items(), strict=True):
    gsn.fit(X)
    chain = gsn.sample(
        60, n_chains=1, burn_in=20, thin=5, mean_field=True, X_init=X[:1], random_state=0
    )
    plot_digit_grid(chain, n_cols=10, ax=ax, title=name)
fig.suptitle("one chain per model, every fifth step (reconstruction means)")
fig.tight_layout()
fig.savefig("plot_gsn_digits.png", dpi=100)
