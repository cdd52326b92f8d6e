"""ConservativeFieldRegressor: the conservative part of a vector field."""
