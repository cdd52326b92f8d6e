"""The :mod:`skscore.io` protocol of :class:`~skscore.LinearProbeTransformer` (see
:mod:`skscore.io`): its section is ``"model"``, the network rebuilt by skscore (``model=None``
or :func:`skscore.probes.make_mlp`) and its ``state_dict``."""

import functools

import torch

from skscore._core.validation import check_fitted_attributes, reject_booleans

_DTYPES = {"float32": torch.float32, "float64": torch.float64}


def _factory_key(factory):
    if isinstance(factory, functools.partial):
        return factory.func, factory.args, factory.keywords
    return factory


class ProbeIOMixin:
    """``_io_*`` methods of the probes' transformer, and its refusal of booleans given for
    numbers."""

    def _validate_params(self):
        """scikit-learn's checks, and booleans refused where a number is expected."""
        super()._validate_params()
        reject_booleans(
            self._parameter_constraints, self.get_params(deep=False), type(self).__name__
        )

    _io_section = "model"
    _io_keys = frozenset({"factory", "dtype", "weights"})

    def _fitted_attribute_spec(self):
        return {
            "n_features_in_": "count",
            "feature_names_in_": "array?",
            "_sklearn_output_config": "dict?",  # set_output
            "classes_": "array",
            "device_": "str",
            "input_shape_": "tuple",
            "layer_names_": "list",
            "feature_indices_": "dict",
            "probes_": "dict",
            "probe_report_": "dict",
        }

    def _io_check_fitted(self):
        check_fitted_attributes(self, self._fitted_attribute_spec())
        shape, classes = self.input_shape_, self.classes_
        if not shape or not all(isinstance(s, int) and s >= 1 for s in shape):
            raise ValueError(f"fitted attribute input_shape_ = {shape!r} must be positive ints")
        if shape[0] != self.n_features_in_:
            raise ValueError(
                f"input_shape_ {shape!r} disagrees with n_features_in_={self.n_features_in_}"
            )
        if classes.ndim != 1 or len(classes) < 2:
            raise ValueError("fitted attribute classes_ must be a 1-D array of 2 classes or more")
        if set(self.probes_) != set(self.layer_names_):
            raise ValueError("probes_ and layer_names_ name different layers")

    def _io_state(self):
        state_dict = self.model_.state_dict()
        floating = [t.dtype for t in state_dict.values() if t.is_floating_point()]
        return {
            "factory": self.model,
            "dtype": str(floating[0] if floating else torch.float32).replace("torch.", ""),
            "weights": state_dict,
        }

    def _io_rebuild(self, state, check_sizes):
        from skscore.probes._transformer import default_model, resolve_module

        if _factory_key(state["factory"]) != _factory_key(self.model):
            raise ValueError("the model factory differs from the 'model' parameter")
        if state["dtype"] not in _DTYPES:
            raise ValueError(f"model dtype {state['dtype']!r} is not float32 or float64")
        shape, n_classes = self.input_shape_, len(self.classes_)
        check_sizes({"input": shape, "classes": n_classes})
        if state["factory"] is None:
            module = default_model(shape, n_classes)
        else:
            module, _ = resolve_module(state["factory"], shape[0])
        module = module.to(device=self.device_, dtype=_DTYPES[state["dtype"]])
        self.model_ = module.eval().requires_grad_(False)
        return self.model_
