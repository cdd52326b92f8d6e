"""The noise-conditional score model: estimator, network, objective, likelihood, samplers."""
