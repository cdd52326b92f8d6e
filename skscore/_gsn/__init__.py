"""Generative stochastic networks: GSNSampler, its module and walkback objective."""
