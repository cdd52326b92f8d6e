"""The single-noise-level score auto-encoders: DenoisingAEScoreEstimator and RCAE."""
