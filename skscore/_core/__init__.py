"""Shared plumbing: depends on no estimator family."""
